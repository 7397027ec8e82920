from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EnterprisesConfig(AppConfig):
    name = "qunfang.enterprises"
    label = "enterprises"
    verbose_name = _("企业服务与网络招聘")
