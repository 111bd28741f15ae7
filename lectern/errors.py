"""Errors of Lectern's shared core, each with a message meant for the person running `lectern`.

LecternError            base: the CLI prints its message and exits 1, never a traceback
  SettingsError         pelicanconf.py (or an environment override) has an invalid value
  KeyFileError          the instance's key pair cannot be read or created
"""

from __future__ import annotations


class LecternError(Exception):
    """A failure the person running Lectern can fix; the message says how."""


class SettingsError(LecternError):
    pass


class KeyFileError(LecternError):
    pass
