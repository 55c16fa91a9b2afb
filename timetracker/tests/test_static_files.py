import urllib.request


def test_admin_css_is_served_with_debug_off(server_process):
    server = server_process(env={"DEBUG": "false"}).start()
    with urllib.request.urlopen(server.url + "/static/admin/css/base.css", timeout=5) as response:
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("text/css")
        assert b"body" in response.read()


def test_the_app_stylesheet_is_served_compressed(server_process):
    server = server_process(env={"DEBUG": "false"}).start()
    request = urllib.request.Request(
        server.url + "/static/css/app.css", headers={"Accept-Encoding": "gzip"}
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        assert response.status == 200
        assert response.headers["Content-Encoding"] == "gzip"
