"""Pin the public names of bessemer.api and bessemer.web."""

import bessemer.api as api
import bessemer.web as web


def test_api_all():
    assert api.__all__ == sorted(api.__all__)
    assert set(api.__all__) == {"ROLES", "check_token", "create_app", "create_token", "hash_token"}


def test_web_all():
    assert web.__all__ == sorted(web.__all__)
    assert set(web.__all__) == {"STATIC_DIR", "TEMPLATES_DIR", "mount_dashboard"}
    assert (web.STATIC_DIR / "app.js").is_file() and (web.TEMPLATES_DIR / "fleet.html").is_file()
