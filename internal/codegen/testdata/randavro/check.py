"""Decodes the Avro bytes written by generated AppendAvro encoders with
Apache Avro's own Python implementation (Debian's python3-avro) and compares
the decoded datum with the value the Go side filled in. Used by
internal/codegen TestRandomAvro; prints one line per mismatch and a summary,
and exits 1 when anything differs."""
import datetime
import decimal
import io
import json
import sys

import avro.io
import avro.schema

EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)


def canon(v):
    if isinstance(v, bool) or v is None or isinstance(v, (int, float, str)):
        return v
    if isinstance(v, (bytes, bytearray)):
        return "hex:" + bytes(v).hex()
    if isinstance(v, decimal.Decimal):
        return v
    if isinstance(v, datetime.datetime):
        return "ts:%d" % ((v - EPOCH) // datetime.timedelta(microseconds=1))
    if isinstance(v, datetime.date):
        return "date:" + v.isoformat()
    if isinstance(v, datetime.time):
        return "time:%d" % (((v.hour * 60 + v.minute) * 60 + v.second) * 1000000 + v.microsecond)
    if isinstance(v, list):
        return [canon(x) for x in v]
    if isinstance(v, dict):
        return {k: canon(x) for k, x in v.items()}
    return str(v)


def expected(v):
    if isinstance(v, str) and v.startswith("dec:"):
        return decimal.Decimal(v[4:])
    if isinstance(v, list):
        return [expected(x) for x in v]
    if isinstance(v, dict):
        return {k: expected(x) for k, x in v.items()}
    return v


def main():
    with open(sys.argv[1]) as f:
        cases = json.load(f)
    bad = 0
    schemas = {}
    for c in cases:
        text = c["schema"]
        if text not in schemas:
            schemas[text] = avro.schema.parse(text)
        sch = schemas[text]
        data = bytes.fromhex(c["hex"])
        buf = io.BytesIO(data)
        try:
            got = avro.io.DatumReader(sch).read(avro.io.BinaryDecoder(buf))
        except Exception as e:  # a decoding failure is a finding
            bad += 1
            print("FAIL %s: decode: %r" % (c["name"], e))
            continue
        if buf.tell() != len(data):
            bad += 1
            print("FAIL %s: %d trailing bytes" % (c["name"], len(data) - buf.tell()))
            continue
        if canon(got) != expected(c["want"]):
            bad += 1
            print("FAIL %s: got %r want %r" % (c["name"], canon(got), expected(c["want"])))
    print("SUMMARY %d %d" % (len(cases), bad))
    sys.exit(1 if bad else 0)


main()
