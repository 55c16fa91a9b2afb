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


def test_a_forgotten_collectstatic_costs_hashes_not_the_site(server_process):
    server = server_process(env={"DEBUG": "false"}).start(collect_static=False)
    server.manage(
        "setup",
        "--admin-username=ops",
        "--admin-email=ops@example.test",
        extra_env={"DJANGO_SUPERUSER_PASSWORD": "a long and unusual passphrase 42"},
    )
    with urllib.request.urlopen(server.url + "/accounts/login/", timeout=5) as response:
        assert response.status == 200
        assert b'href="/static/css/app.css"' in response.read()
    with urllib.request.urlopen(server.url + "/static/css/app.css", timeout=5) as response:
        assert response.status == 200
    check = server.manage("check")
    assert "timetracker.W002" in check.stderr
    collect = server.manage("collectstatic", "--noinput")
    assert "W002" not in collect.stderr + collect.stdout
