"""`aftersales merchant create` and `aftersales token create | list | revoke`."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from aftersales.accounts.models import ApiToken, Merchant, TokenScope
from aftersales.accounts.tokens import actor_for_token, issue_token
from aftersales.core.models import AuditEvent
from tests import factories

pytestmark = pytest.mark.django_db


def run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def refused(*args: str) -> CommandError:
    """The error the command stops with; the console script prints it and exits with its
    `returncode` (Django's run_from_argv)."""
    with pytest.raises(CommandError) as refusal:
        run(*args)
    return refusal.value


# --- merchant create ---------------------------------------------------------------------------


def test_merchant_create_makes_the_tenant_as_the_system_and_prints_it():
    out, _ = run("merchant", "create", "m-shoes", "--name", "步履鞋业")
    merchant = Merchant.objects.get(code="m-shoes")
    assert merchant.name == "步履鞋业"
    assert "m-shoes" in out
    assert "步履鞋业" in out
    event = AuditEvent.objects.get(action="merchant.created", subject_id=str(merchant.pk))
    assert event.actor_kind == "system"


def test_merchant_create_refuses_a_code_that_exists():
    factories.merchant("m-taken")
    with pytest.raises(CommandError, match="already exists"):
        run("merchant", "create", "m-taken", "--name", "again")


def test_merchant_create_refuses_a_code_that_is_not_a_slug_with_exit_2():
    refusal = refused("merchant", "create", "not a code", "--name", "x")
    assert refusal.returncode == 2
    assert "not a valid merchant code" in str(refusal)
    assert not Merchant.objects.exists()


def test_merchant_create_needs_a_name():
    with pytest.raises(CommandError, match="--name"):
        run("merchant", "create", "m-x")


# --- token create ------------------------------------------------------------------------------


def test_token_create_for_a_merchant_prints_a_working_token_once():
    m = factories.merchant("m-apparel")
    out, err = run("token", "create", "--merchant", "m-apparel", "--name", "erp")
    raw = out.strip()
    actor = actor_for_token(raw)
    assert actor is not None
    assert actor.merchant_id == m.pk
    token = ApiToken.objects.get()
    assert (token.scope, token.name) == (TokenScope.MERCHANT, "erp")
    assert raw not in err  # stdout carries the token alone; stderr says what it is
    assert "merchant m-apparel" in err


def test_token_create_for_the_platform():
    out, _ = run("token", "create", "--platform")
    assert actor_for_token(out.strip()).is_platform


def test_token_create_for_a_buyer_by_external_id():
    b = factories.buyer("b-1001")
    out, _ = run("token", "create", "--buyer", "b-1001")
    assert actor_for_token(out.strip()).buyer_id == b.pk


def test_token_create_for_a_user_by_username():
    u = factories.user("agent", username="desk-1")
    out, _ = run("token", "create", "--user", "desk-1")
    assert actor_for_token(out.strip()).user_id == u.pk


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--merchant", "m-nowhere"], "no merchant with code 'm-nowhere'"),
        (["--buyer", "b-nobody"], "no buyer with external id 'b-nobody'"),
        (["--user", "ghost"], "no user 'ghost'"),
    ],
)
def test_token_create_for_an_unknown_subject_says_so_and_exits_2(args, message):
    refusal = refused("token", "create", *args)
    assert refusal.returncode == 2
    assert message in str(refusal)
    assert not ApiToken.objects.exists()


def test_token_create_needs_exactly_one_subject():
    factories.merchant("m-a")
    with pytest.raises(CommandError, match="not allowed with"):
        run("token", "create", "--platform", "--merchant", "m-a")
    with pytest.raises(CommandError, match="one of the arguments"):
        run("token", "create")


# --- token list and revoke ---------------------------------------------------------------------


def test_token_list_shows_prefix_scope_subject_and_never_the_token():
    m = factories.merchant("m-books")
    issued = issue_token(scope=TokenScope.MERCHANT, merchant=m, name="shop sync")
    revoked = issue_token(scope=TokenScope.PLATFORM)
    run("token", "revoke", revoked.token.prefix)
    actor_for_token(issued.raw)  # marks it used

    out, _ = run("token", "list")
    assert issued.raw not in out
    assert revoked.raw not in out
    header, *rows = out.strip().splitlines()
    assert header.split()[:3] == ["PREFIX", "SCOPE", "SUBJECT"]
    [mine] = [r for r in rows if r.startswith(issued.token.prefix)]
    assert "merchant m-books" in mine
    assert "shop sync" in mine
    assert mine.split()[-1] == "-"  # not revoked
    [gone] = [r for r in rows if r.startswith(revoked.token.prefix)]
    assert gone.split()[-1] != "-"

    out, _ = run("token", "list", "--active")
    assert revoked.token.prefix not in out


def test_token_revoke_by_prefix_stops_the_token_working():
    issued = issue_token(scope=TokenScope.PLATFORM)
    out, _ = run("token", "revoke", issued.token.prefix)
    assert "Revoked" in out
    assert actor_for_token(issued.raw) is None
    out, _ = run("token", "revoke", issued.token.prefix)
    assert "already revoked" in out


def test_token_revoke_also_takes_the_whole_token():
    issued = issue_token(scope=TokenScope.PLATFORM)
    run("token", "revoke", issued.raw)
    assert actor_for_token(issued.raw) is None


def test_token_revoke_of_an_unknown_prefix_exits_2():
    refusal = refused("token", "revoke", "as_nothing")
    assert refusal.returncode == 2
    assert "no token with prefix" in str(refusal)


def test_the_console_script_exits_2_with_the_message_on_stderr(tmp_path):
    from tests.config.processes import aftersales, aftersales_env

    env = aftersales_env(tmp_path / "var")
    assert aftersales("migrate", "--verbosity", "0", env=env).returncode == 0
    done = aftersales("token", "create", "--merchant", "m-nowhere", env=env)
    assert done.returncode == 2
    assert "no merchant with code 'm-nowhere'" in done.stderr
    assert done.stdout == ""
