"""Tests of the federation shim, one file per module; local_http runs real servers for them."""
