app_name = "hotlines"
urlpatterns: list = []
