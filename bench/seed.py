"""Bulk users and bearer tokens in the bench's own database, straight through the ORM.

Run as `python -m bench.seed COUNT` with the server's environment; prints one
`username token` line per user. Passwords are unusable: the sockets use tokens only.
"""

import os
import secrets
import sys


def main() -> None:
    count = int(sys.argv[1])
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password

    from accounts.models import ApiToken, hash_token

    user_model = get_user_model()
    unusable = make_password(None)
    names = [f"bench{i:05d}" for i in range(count)]
    user_model.objects.bulk_create(
        [user_model(username=n, password=unusable) for n in names], batch_size=1000
    )
    ids = dict(user_model.objects.filter(username__in=names).values_list("username", "id"))
    raws = {n: secrets.token_urlsafe(32) for n in names}
    ApiToken.objects.bulk_create(
        [
            ApiToken(user_id=ids[n], name="bench", key_hash=hash_token(raws[n]), prefix=raws[n][:8])
            for n in names
        ],
        batch_size=1000,
    )
    sys.stdout.write("".join(f"{n} {raws[n]}\n" for n in names))


if __name__ == "__main__":
    main()
