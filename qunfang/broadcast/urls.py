app_name = "broadcast"
urlpatterns: list = []
