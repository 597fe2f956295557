"""Logon to the lab's network shares for ``New-PSDrive -Credential`` (hook in ``api.SHARE_LOGON``).

The WSB share targets (``backup_targets`` with a ``credential``, e.g. ``\\\\NAS01\\wsb``) accept only their
account (user from ``user_env``, password from ``password_env``), as ``net use`` in WinPE and
``New-WBBackupTarget -Credential`` do (:meth:`simlab.lab.wsb.Target.check_access`). Win32 texts as
New-PSDrive shows them (captured 5.1 errors): no credential, or the ``share_access_denied`` fault →
"Access is denied" (ERROR_ACCESS_DENIED: the WinRM session cannot pass its own logon on, the second hop); a
wrong user or password → "The user name or password is incorrect" (ERROR_LOGON_FAILURE 1326); a share that is
gone (``backup_target_missing``) → "The network path was not found" (ERROR_BAD_NETPATH 53).
"""

from __future__ import annotations

import os
from typing import Any

from simlab.lab.wsb_cmdlets import find_catalog
from simlab.ps.api import SHARE_LOGON


def share_logon(machine: Any, share: str, user: str | None, password: str | None) -> str | None:
    """None: not a share of the lab's WSB model; "": logon accepted; else the Win32 error text."""
    cat = find_catalog(machine)
    target = cat.target(share) if cat is not None else None
    if target is None or target.kind != "share":
        return None
    if target.missing:
        return "The network path was not found"
    if target.access_denied or not user:
        return "Access is denied"
    want_user = os.environ.get(target.user_env or "")
    want_pw = os.environ.get(target.password_env or "")
    if want_user is None or user.split("\\")[-1].lower() != want_user.split("\\")[-1].lower() or password != want_pw:
        return "The user name or password is incorrect"
    return ""


if share_logon not in SHARE_LOGON:
    SHARE_LOGON.append(share_logon)
