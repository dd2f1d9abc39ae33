"""Credentials in target URLs: refused (exit 2) for every scheme, and masked in every message and log line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from feedpub.cli import main
from feedpub.errors import UsageError
from feedpub.publish import TargetConfig
from feedpub.publish.registry import make_target
from feedpub.redact import credentials_problem, redact_text, redact_url
from tests.publish.conftest import Hub
from tests.publish.site import build_output

SECRET = "Sup3rS3cret/Key+x"  # holds a "/", as AWS secret keys do
AWS = "credentials come from the AWS environment variables, a profile (option 'profile') or an instance role"
SSH = "use key_file or your ssh agent"
GIT = "git uses your ssh agent and ~/.ssh/config"
DAV = "set FEEDPUB_WEBDAV_USER and FEEDPUB_WEBDAV_PASSWORD or use ~/.netrc"
NONE = "this kind of target takes no credentials"
PASSWORD = "refusing a password in the URL"

# (url, options, what is refused, where credentials belong instead)
REFUSED = [
    (f"s3://AKIDEXAMPLE:{SECRET}@bucket/news", {}, PASSWORD, AWS),
    (f"s3://{SECRET[:11]}@bucket/news", {}, "refusing credentials in the URL (user@)", AWS),
    (f"git+ssh://deploy:{SECRET}@git.example.org/site.git#gh-pages", {}, PASSWORD, GIT),
    (f"git+file://me:{SECRET}@/srv/git/site.git", {}, PASSWORD, NONE),
    (f"file://me:{SECRET}@/srv/www", {}, PASSWORD, NONE),
    (f"webdavs://me:{SECRET}@dav.example.org/site", {}, PASSWORD, DAV),
    (f"sftp://deploy:{SECRET}@www.example.org/~/site", {}, PASSWORD, SSH),
    (f"rsync://deploy:{SECRET}@www.example.org/srv", {}, PASSWORD, SSH),
    (
        f"s3://bucket/news?aws_secret_access_key={SECRET}",
        {},
        "refusing a secret in the URL's query (parameter 'aws_secret_access_key')",
        AWS,
    ),
    (
        f"file:///srv/www?password={SECRET}",
        {},
        "refusing a secret in the URL's query (parameter 'password')",
        NONE,
    ),
    (
        f"webdav://dav.example.org/site?token={SECRET}",
        {},
        "refusing a secret in the URL's query (parameter 'token')",
        DAV,
    ),
    (
        f"sftp://deploy@www.example.org/site?key={SECRET}",
        {},
        "refusing a secret in the URL's query (parameter 'key')",
        SSH,
    ),
    (
        "s3://bucket/news",
        {"endpoint_url": f"https://minio:{SECRET}@minio.example.org:9000"},
        "refusing a password in the URL of option 'endpoint_url'",
        AWS,
    ),
    (f"ftp://me:{SECRET}@ftp.example.org/site", {}, PASSWORD, NONE),
]


def publication(root: Path, url: str, options: dict[str, str]) -> Path:
    """feedpub.yaml with one target ``prod`` whose url is on line 5, its value at column 10."""
    root.mkdir(parents=True, exist_ok=True)
    extra = "".join(f"    {k}: {json.dumps(v)}\n" for k, v in options.items())
    (root / "feedpub.yaml").write_text(
        "title: Briefings\n"
        "base_url: https://news.example.org/\n"
        "targets:\n"
        "  prod:\n"
        f"    url: {json.dumps(url)}\n{extra}"
    )
    (root / "feeds").mkdir(exist_ok=True)
    (root / "feeds/all.yaml").write_text("title: All\n")
    build_output(root / "public")
    return root


@pytest.mark.parametrize(("url", "options", "refused", "instead"), REFUSED)
def test_a_secret_in_a_target_url_exits_2_and_is_printed_nowhere(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    url: str,
    options: dict[str, str],
    refused: str,
    instead: str,
) -> None:
    root = publication(tmp_path / "pub", url, options)
    log_file = tmp_path / "run.log"
    problem = f"feedpub.yaml:5:10: error: targets.prod.url: {refused}; {instead}\n"
    for command in (
        ["publish"],
        ["publish", "--dry-run"],
        ["-v", "run", "--no-pull", "--log-file", str(log_file)],
    ):
        assert main(["--root", str(root), *command]) == 2, command
        out, err = capsys.readouterr()
        assert out == ""
        if command[0] == "publish":
            assert err == problem + "feedpub: feedpub.yaml has problems\n"
        else:  # -v adds "run started"; run reports the refused settings like any other
            assert problem in err
        assert SECRET not in out + err
        assert "Sup3rS3cret" not in out + err
    logged = log_file.read_text()
    assert "ERROR" in logged and "Sup3rS3cret" not in logged
    # The same refusal for a library caller who builds the TargetConfig itself.
    with pytest.raises(UsageError) as caught:
        make_target(TargetConfig("prod", url, {"url": url, **options}))
    assert caught.value.message == f"target 'prod': {refused}; {instead}"


@pytest.mark.parametrize(
    "url",
    [
        "sftp://deploy@www.example.org/~/public_html",
        "rsync://deploy@www.example.org:2222/srv/www",
        "git+ssh://git@github.com/example/briefings.git#gh-pages",
        "s3://briefings/news",
        "file:///srv/www/@home",
        "webdavs://dav.example.org/site?lang=en",
    ],
)
def test_a_login_name_and_plain_urls_are_not_credentials(url: str) -> None:
    assert credentials_problem(url) == ""
    assert redact_url(url) == url


def test_redaction_masks_passwords_user_parts_and_secret_query_values() -> None:
    assert redact_url(f"s3://AKIDEXAMPLE:{SECRET}@bucket/news") == "s3://***@bucket/news"
    assert redact_url("s3://AKIDEXAMPLE@bucket/news") == "s3://***@bucket/news"
    assert redact_url("sftp://deploy:pw@host/x") == "sftp://***@host/x"
    assert redact_url("webdav://me:a?b#c@host/x") == "webdav://***@host/x"
    assert (
        redact_url("https://b.s3.amazonaws.com/k?X-Amz-Credential=AKID&X-Amz-Signature=ab&x=1#f")
        == "https://b.s3.amazonaws.com/k?X-Amz-Credential=***&X-Amz-Signature=***&x=1#f"
    )
    assert redact_url("https://h/?sessionToken=1&apiKey=2&keyword=3") == (
        "https://h/?sessionToken=***&apiKey=***&keyword=3"
    )
    assert redact_text(f"got 's3://K:{SECRET}@b/p' and (file://u:p@/x).") == (
        "got 's3://***@b/p' and (file://***@/x)."
    )
    assert redact_text("no URL here: a:b@c") == "no URL here: a:b@c"


def test_a_secret_in_a_hub_url_is_masked_in_warnings_and_the_log(
    hub: Hub, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A hub URL carrying a token (feeds/*.yaml) is masked wherever a warning names it."""
    root = publication(tmp_path / "pub", (tmp_path / "www").as_uri(), {})
    (root / "feeds/all.yaml").unlink()
    (root / "feeds/news.yaml").write_text(f"title: News\nhubs: ['{hub.url}?token={SECRET}']\n")
    hub.statuses = [403, 403, 403]
    assert main(["--root", str(root), "-v", "publish"]) == 0
    out, err = capsys.readouterr()
    assert f"WebSub ping to {hub.url}?token=*** for https://news.example.org/news/" in err
    assert "Sup3rS3cret" not in out + err
