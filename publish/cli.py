"""`lectern publish`: upload the build to a bucket, invalidate the CDN, then trigger delivery on the shim.

Plugged into `lectern` by lectern/cli.py, which calls `add_commands(subparsers)`.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from lectern.built_site import settings_for_build
from lectern.publish.delivery_trigger import TOKEN_ENV, trigger_delivery
from lectern.publish.errors import PublishError
from lectern.publish.publisher import PublishReport, PublishRequest, publish
from lectern.publish.report import cdn_lines, dry_run_lines, summary_lines
from lectern.settings import Settings

CLOUDFRONT_ENV = "LECTERN_CLOUDFRONT_DISTRIBUTION"

DESCRIPTION = f"""Upload the built site (settings' output folder, or --output) to S3-compatible storage. Only changed
files are uploaded (content or headers); each object gets the Content-Type and Cache-Control its kind needs. Then the
changed paths are invalidated on CloudFront (--cloudfront-distribution or {CLOUDFRONT_ENV}; for other CDNs they are
printed), and the shim is asked to deliver to followers (POST <shim>/_lectern/deliver with {TOKEN_ENV}).
Credentials come from boto3's standard chain: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE, or a role."""


def add_commands(commands: Any) -> None:
    parser = commands.add_parser(
        "publish",
        help="upload the built site to a bucket and trigger delivery",
        description=DESCRIPTION,
    )
    parser.add_argument("--bucket", required=True, help="the bucket's name")
    parser.add_argument("--prefix", default="", help="a key prefix (folder) in the bucket for the site (default: none)")
    parser.add_argument("--endpoint-url", help="an S3-compatible endpoint, e.g. https://s3.example.org (default: AWS)")
    parser.add_argument("--region", help="the bucket's region (default: from the AWS configuration)")
    parser.add_argument("--output", help="the built folder to upload (default: the settings' output folder)")
    parser.add_argument("--dry-run", action="store_true", help="list what would change, change nothing")
    parser.add_argument(
        "--delete",
        action="store_true",
        help="delete objects under the prefix that the build no longer has (ActivityPub Tombstones are kept)",
    )
    parser.add_argument(
        "--cloudfront-distribution",
        metavar="ID",
        default=os.environ.get(CLOUDFRONT_ENV) or None,
        help=f"invalidate the changed paths on this CloudFront distribution (default: ${CLOUDFRONT_ENV})",
    )
    parser.add_argument(
        "--changed-paths", metavar="FILE", help="write the changed URL paths to FILE, one per line (for a CDN's purge)"
    )
    parser.add_argument(
        "--site-url",
        help="the site's address; refused unless the build was made for it (default: the address the build was made "
        "for)",
    )
    parser.add_argument(
        "--shim-url", help="where the shim answers /_lectern/deliver (default: the address the build was made for)"
    )
    parser.add_argument("--jobs", type=_positive, default=16, help="parallel uploads (default: 16)")
    parser.set_defaults(run=run_publish)


def _positive(text: str) -> int:
    value = int(text)
    if not 1 <= value <= 256:
        raise argparse.ArgumentTypeError("must be a whole number from 1 to 256")
    return value


def run_publish(args: argparse.Namespace, settings: Settings) -> int:
    settings = settings_for_build(settings)  # the trigger goes to the site the build was made for
    request = PublishRequest(
        output_dir=settings.output_dir,
        bucket=args.bucket,
        prefix=args.prefix,
        endpoint_url=args.endpoint_url,
        region=args.region,
        delete=args.delete,
        dry_run=args.dry_run,
        cloudfront_distribution=args.cloudfront_distribution,
        workers=args.jobs,
    )
    report = publish(request)
    if args.changed_paths:
        write_paths(Path(args.changed_paths), report.cdn_paths)
    print_report(report, args.changed_paths)
    if not report.dry_run:
        deliver(args.shim_url or settings.site_url)
    return 0


def print_report(report: PublishReport, paths_file: str | None = None) -> None:
    lines = dry_run_lines(report) if report.dry_run else summary_lines(report)
    for line in [*lines, *cdn_lines(report, paths_file)]:
        print(line)


def write_paths(target: Path, paths: tuple[str, ...]) -> None:
    try:
        target.write_text("".join(f"{path}\n" for path in paths), encoding="utf-8")
    except OSError as error:
        raise PublishError(f"--changed-paths {target}: cannot be written ({error.strerror})") from None


def deliver(shim_url: str) -> None:
    """Trigger delivery when a token is configured; say so either way. Raises DeliveryTriggerFailed."""
    token = os.environ.get(TOKEN_ENV, "").strip()
    if not token:
        print(f"Delivery not triggered: {TOKEN_ENV} is not set (followers hear of new resources once it is).")
        return
    result = trigger_delivery(shim_url, token)
    answer = f": {result.summary}" if result.summary else ""
    print(f"Delivery triggered at {result.url} (HTTP {result.status}){answer}.")
    sys.stdout.flush()
