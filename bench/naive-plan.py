#!/usr/bin/env python3
"""The naive baseline the bench compares pinsync's plan with (issue 10 section 4).

What a person would write in an afternoon with the standard library only: read the customers CSV, SHA-256 each
non-empty identifier of the subscribed rows (emails stripped and lower-cased, device ids as they are), and diff the
set against the stored membership with two set differences.

    python3 bench/naive-plan.py customers.csv [membership.txt]

customers.csv has a header and the columns email, gaid, idfa, subscribed (DuckDB's COPY ... (HEADER): NULL is an
empty field, booleans are true/false). membership.txt holds one lower-case hex digest a line (the first plan has
none: everything is an add). Prints one JSON line: {"ms", "maxRssMb", "cpuMs", "records", "adds", "removes"}; ms is the whole
run after the interpreter started, reading included, as the bench's pinsync phases count theirs.
"""
import csv
import hashlib
import json
import resource
import sys
import time


def main(argv):
    started = time.perf_counter()
    customers = argv[1]
    membership_file = argv[2] if len(argv) > 2 else None
    sha256 = hashlib.sha256
    current = set()
    with open(customers, newline='', encoding='utf-8') as f:
        rows = csv.reader(f)
        header = next(rows)
        email_i, gaid_i, idfa_i, subscribed_i = (header.index(c) for c in ('email', 'gaid', 'idfa', 'subscribed'))
        for row in rows:
            if row[subscribed_i] != 'true':
                continue
            email = row[email_i].strip().lower()
            if email:
                current.add(sha256(email.encode()).hexdigest())
            for i in (gaid_i, idfa_i):
                device = row[i]
                if device:
                    current.add(sha256(device.encode()).hexdigest())
    stored = set()
    if membership_file is not None:
        with open(membership_file, encoding='ascii') as f:
            stored = {line.rstrip('\n') for line in f}
    adds = len(current - stored)
    removes = len(stored - current)
    ms = (time.perf_counter() - started) * 1000
    # ru_maxrss is in kilobytes on Linux.
    usage = resource.getrusage(resource.RUSAGE_SELF)
    max_rss_mb = usage.ru_maxrss / 1024
    cpu_ms = (usage.ru_utime + usage.ru_stime) * 1000
    print(json.dumps({'ms': ms, 'maxRssMb': max_rss_mb, 'cpuMs': cpu_ms, 'records': len(current), 'adds': adds, 'removes': removes}))


if __name__ == '__main__':
    main(sys.argv)
