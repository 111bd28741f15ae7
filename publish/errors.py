"""Errors of `lectern publish`, each one line a person can act on; the CLI prints them as `lectern: <message>`.

PublishError                  base (a LecternError: exit status 1, no traceback)
  OutputMissing               the build output folder is missing or does not look like a built site
  CredentialsMissing          the standard credential chain found nothing (environment, profile, instance role)
  CredentialsRejected         the storage does not accept the key id or its signature
  BucketNotFound              no bucket with that name at that endpoint
  AccessDenied                the credentials may not do what publish needs
  WrongRegion                 the bucket lives in another region than the client asked
  EndpointUnreachable         no connection to the storage (or CDN) endpoint
  StorageError                any other refusal by the storage, with its code
  UploadFailed                some files could not be uploaded (.failed); running publish again resumes
  CdnError                    the CloudFront invalidation was refused
  DeliveryTriggerFailed       the shim did not accept POST /_lectern/deliver

A publish interrupted at any point can simply be run again: what was uploaded is found by its hash and skipped.
"""

from __future__ import annotations

from lectern.errors import LecternError


class PublishError(LecternError):
    """A publish failed in a way the person running it can fix; the message says how."""


class OutputMissing(PublishError):
    pass


class CredentialsMissing(PublishError):
    pass


class CredentialsRejected(PublishError):
    pass


class BucketNotFound(PublishError):
    pass


class AccessDenied(PublishError):
    pass


class WrongRegion(PublishError):
    pass


class EndpointUnreachable(PublishError):
    pass


class StorageError(PublishError):
    pass


class UploadFailed(PublishError):
    def __init__(self, failed: dict[str, str]) -> None:
        self.failed = failed
        first_path, first_reason = sorted(failed.items())[0]
        more = f" (and {len(failed) - 1} more)" if len(failed) > 1 else ""
        super().__init__(
            f"{len(failed)} file{'s' if len(failed) != 1 else ''} could not be uploaded, first {first_path}: "
            f"{first_reason}{more}; nothing was deleted or delivered, run lectern publish again to resume"
        )


class CdnError(PublishError):
    pass


class DeliveryTriggerFailed(PublishError):
    pass
