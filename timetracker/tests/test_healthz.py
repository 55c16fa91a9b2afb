def test_healthz_answers_without_login_or_setup(client, db, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    assert response.content == b"ok\n"


def test_healthz_refuses_writes(client, db):
    assert client.post("/healthz").status_code == 405
