"""What `lectern publish` says: what would change (dry run) or what changed, and the CDN paths to purge."""

from __future__ import annotations

from lectern.publish.publisher import PublishReport

MAX_LISTED = 100


def _count(number: int, noun: str) -> str:
    return f"{number:,} {noun}{'' if number == 1 else 's'}"


def _megabytes(size: int) -> str:
    return f"{size / 1e6:.1f} MB"


def dry_run_lines(report: PublishReport) -> list[str]:
    plan = report.plan
    lines = [f"upload  {f.path}  ({plan.reasons[f.path]})" for f in plan.uploads]
    lines += [f"delete  {path}" for path in plan.deletions]
    lines += [f"keep    {path}  (Tombstone of a deleted resource)" for path in plan.kept_tombstones]
    if not plan.changes:
        lines.append(
            f"Dry run: all {_count(len(plan.unchanged), 'file')} in {report.bucket_url} are up to date; "
            "nothing would be uploaded."
        )
    else:
        lines.append(
            f"Dry run: would upload {_count(len(plan.uploads), 'file')} ({_megabytes(plan.upload_bytes)}) "
            f"and delete {_count(len(plan.deletions), 'object')} in {report.bucket_url}; "
            f"{len(plan.unchanged):,} unchanged. Nothing was changed."
        )
    lines += _stale_lines(report)
    return lines


def summary_lines(report: PublishReport) -> list[str]:
    plan = report.plan
    if not report.uploaded and not report.deleted:
        lines = [
            f"Nothing changed: all {_count(len(plan.unchanged), 'file')} in {report.bucket_url} are up to "
            f"date; nothing was uploaded ({report.seconds:.1f} s)."
        ]
    else:
        lines = [
            f"Published to {report.bucket_url}: uploaded {_count(len(report.uploaded), 'file')} "
            f"({_megabytes(plan.upload_bytes)}), deleted {_count(len(report.deleted), 'object')}, "
            f"{len(plan.unchanged):,} unchanged ({report.seconds:.1f} s)."
        ]
    if plan.kept_tombstones:
        lines.append(f"Kept {_count(len(plan.kept_tombstones), 'Tombstone')} of deleted resources.")
    return lines + _stale_lines(report)


def _stale_lines(report: PublishReport) -> list[str]:
    stale = report.plan.stale
    if not stale:
        return []
    return [
        f"{_count(len(stale), 'object')} in the bucket no longer in the build (e.g. {stale[0]}); "
        "--delete removes them (Tombstones stay)."
    ]


def cdn_lines(report: PublishReport, paths_file: str | None = None) -> list[str]:
    """The CloudFront invalidation made, or the paths to purge on another CDN (the first 100; all in `paths_file`)."""
    if report.invalidation_id:
        return [f"CloudFront: invalidation {report.invalidation_id} of {_count(len(report.cdn_paths), 'path')}."]
    if not report.cdn_paths:
        return []
    if report.dry_run:
        return [f"Would invalidate {_count(len(report.cdn_paths), 'CDN path')}."]
    lines = [f"Changed paths, for your CDN to purge ({len(report.cdn_paths):,}):", *report.cdn_paths[:MAX_LISTED]]
    more = len(report.cdn_paths) - MAX_LISTED
    if more > 0:
        where = f"all are in {paths_file}" if paths_file else "--changed-paths FILE writes them all"
        lines.append(f"... and {more:,} more ({where}).")
    return lines
