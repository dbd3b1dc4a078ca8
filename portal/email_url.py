"""Email settings from ``EMAIL_URL``, with django-environ's parser and one correction.

django-environ reads ``filemail:///var/mail/portal`` as the relative path ``var/mail/portal``
(it drops the slash that makes the path absolute), so emails would land inside the checkout.
Here the path is what the URL says: ``filemail:///abs/path`` is absolute, ``filemail://rel/path``
relative to the working directory."""

from urllib.parse import unquote, urlsplit

import environ


def email_config(url):
    config = environ.Env.email_url_config(url)
    parts = urlsplit(url)
    if parts.scheme == "filemail":
        config["EMAIL_FILE_PATH"] = unquote(parts.netloc + parts.path)
        config["EMAIL_HOST"] = None
    return config
