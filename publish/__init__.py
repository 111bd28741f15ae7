"""`lectern publish`: upload a built site to S3-compatible object storage, then tell the CDN and the shim.

Data flows one way: output/ (the build) -> publish -> a bucket (and a CDN in front of it) -> the shim's delivery.

    local_files       what the build holds: path, size, sha256, the headers each file must be served with
    manifest          what an earlier publish recorded in the bucket (one gzipped JSON object)
    plan              pure: which files to upload, which objects to delete, which tombstones to keep
    bucket            the S3 calls (list, head, get, put, multipart, delete), errors translated for a person
    aws_clients       boto3 clients with the standard credential chain, retries and timeouts
    aws_errors        botocore exceptions -> PublishError with one line saying what to do
    publisher         the whole run: scan, compare, upload in parallel, delete, record, invalidate
    cdn               which URL paths changed; a CloudFront invalidation of exactly those
    delivery_trigger  POST /_lectern/deliver on the shim once the files are live
    progress          a plain progress line on stderr, only on a terminal
    report            what a run says to the person who ran it
    cli               the `lectern publish` command
"""
