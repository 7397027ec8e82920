import os
import subprocess
import sys

from django.conf import settings

TLS_WARNINGS = {"security.W004", "security.W008", "security.W012", "security.W016"}


def run_check(tmp_path, **env) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        capture_output=True,
        text=True,
        cwd=settings.BASE_DIR,
        env={
            # The browser tests allow async-unsafe ORM calls in this process; not in a deployment.
            **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "QUNFANG_VAR_DIR": str(tmp_path),
            **env,
        },
    )


def test_the_dev_server_defaults_warn_only_about_tls(tmp_path):
    result = run_check(tmp_path)
    found = {word.strip("():") for word in result.stderr.split() if word.startswith("(security.")}
    assert found == TLS_WARNINGS, result.stderr


def test_https_mode_passes_the_deployment_checklist(tmp_path):
    result = run_check(tmp_path, QUNFANG_HTTPS="true")
    assert result.returncode == 0, result.stderr
