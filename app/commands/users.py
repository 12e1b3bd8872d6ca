"""``users list|add|unlock|reset-password|set-role|init``: account administration from the command line.

The command line runs on the machine that holds the data folder, as the system principal; every
change is recorded in the audit log under the name ``cli``.
"""

from __future__ import annotations

import argparse
import getpass
import os
from dataclasses import asdict
from typing import Any

from app.cli import add_data_dir_argument, add_json_argument, print_json
from app.errors import InvalidInput
from app.i18n import _


def register(sub: Any) -> None:
    p = sub.add_parser("users", help=_("manage user accounts"))
    usub = p.add_subparsers(dest="users_command", metavar="COMMAND")

    def add(name: str, helptext: str, func: Any, *, user: bool = True, password: bool = False) -> Any:
        q = usub.add_parser(name, help=helptext)
        if user:
            q.add_argument("username", help=_("user name"))
        if password:
            q.add_argument("--password-env", metavar="VAR",
                           help=_("read the password from this environment variable instead of asking"))
        add_data_dir_argument(q)
        add_json_argument(q)
        q.set_defaults(func=func)
        return q

    add("list", _("list the accounts"), _list, user=False)
    init = add("init", _("create the first administrator (only when there is no account)"), _init, user=False,
               password=True)
    init.add_argument("--username", default="admin", help=_("user name of the administrator"))
    a = add("add", _("add an account with a one-time password"), _add, password=True)
    a.add_argument("--role", required=True, help=_("role: admin, hr, interviewer, dept_head, payroll or a custom role"))
    a.add_argument("--department-id", type=int, default=None, help=_("department of the account"))
    a.add_argument("--name", default="", help=_("display name"))
    add("unlock", _("unlock an account locked by wrong passwords"), _unlock)
    add("reset-password", _("set a one-time password the user must change"), _reset, password=True)
    r = add("set-role", _("change the role of an account"), _set_role)
    r.add_argument("role", help=_("new role"))
    p.set_defaults(func=lambda _args: (p.print_help(), 2)[1])


def _password(args: argparse.Namespace) -> str:
    if args.password_env:
        value = os.environ.get(args.password_env, "")
        if not value:
            raise InvalidInput(_("The environment variable {var} is empty.").format(var=args.password_env))
        return value
    first = getpass.getpass(_("Password: "))
    if getpass.getpass(_("Repeat the password: ")) != first:
        raise InvalidInput(_("The two passwords differ."))
    return first


def _run(args: argparse.Namespace, fn: Any) -> Any:
    from app.context import open_app

    ctx = open_app(args.data_dir)
    try:
        return fn(ctx.services.accounts)
    finally:
        ctx.close()


def _cli() -> Any:
    from app.security.permissions import Principal

    return Principal.system("cli")


def _show(args: argparse.Namespace, info: Any, text: str) -> int:
    if args.json:
        print_json(asdict(info))
    else:
        print(text)
    return 0


def _list(args: argparse.Namespace) -> int:
    users = _run(args, lambda svc: svc.users(_cli()))
    if args.json:
        print_json([asdict(u) for u in users])
    else:
        for u in users:
            flags = []
            if u.locked:
                flags.append(_("locked"))
            if not u.active:
                flags.append(_("disabled"))
            if u.must_change_password:
                flags.append(_("must change password"))
            print(f"{u.username}\t{u.role_label}\t{u.display_name}\t{' '.join(flags)}")
    return 0


def _init(args: argparse.Namespace) -> int:
    password = _password(args)
    created = _run(args, lambda svc: svc.ensure_admin(password, username=args.username))
    if args.json:
        print_json({"created": created, "username": args.username})
    else:
        print(_("Administrator {user} created; the password must be changed at the first login.").format(
            user=args.username) if created else _("Accounts exist already; nothing was changed."))
    return 0


def _add(args: argparse.Namespace) -> int:
    password = _password(args)
    info = _run(args, lambda svc: svc.create_user(_cli(), args.username, args.role, password,
                                                  display_name=args.name, department_id=args.department_id))
    return _show(args, info, _("Account {user} added.").format(user=info.username))


def _unlock(args: argparse.Namespace) -> int:
    info = _run(args, lambda svc: svc.unlock(_cli(), args.username))
    return _show(args, info, _("Account {user} unlocked.").format(user=info.username))


def _reset(args: argparse.Namespace) -> int:
    password = _password(args)
    info = _run(args, lambda svc: svc.reset_password(_cli(), args.username, password))
    return _show(args, info, _("Password of {user} reset; it must be changed at the next login.").format(
        user=info.username))


def _set_role(args: argparse.Namespace) -> int:
    info = _run(args, lambda svc: svc.update_user(_cli(), args.username, role=args.role))
    return _show(args, info, _("Account {user} now has the role {role}.").format(user=info.username,
                                                                             role=info.role_label))
