#!/usr/bin/env python3
"""A `genmedia worker image-gen --command` handler in Python, standard library only.

    genmedia worker image-gen --command 'python3 examples/python_handler.py'

genmedia writes the generation job as JSON to stdin and reads the result as JSON from stdout.
A non-zero exit fails the attempt (genmedia retries it); stderr goes to the worker's log, and a
line `progress N` on stderr reports N shots done. Here each "generated" image is a solid-colour
PNG picked from the prompt (replace `render` with a call to your model); images are returned as
base64 (`data`), or as files the result names (`path`).
"""
import base64
import hashlib
import json
import struct
import sys
import zlib


def png(width, height, rgb):
    """A solid-colour PNG of width x height."""

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)

    row = b"\x00" + bytes(rgb) * width
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(row * height))
        + chunk(b"IEND", b"")
    )


def render(prompt, shot):
    """Stands in for a model: a colour derived from the prompt and the shot number."""
    digest = hashlib.sha256(f"{prompt}#{shot}".encode()).digest()
    return png(64, 64, digest[:3])


def main():
    job = json.load(sys.stdin)
    prompt = job.get("generated_prompt") or job["prompt"]
    images = []
    for shot in range(1, job["number_of_shots"] + 1):
        data = render(prompt, shot)
        images.append({"data": base64.b64encode(data).decode("ascii"), "prompt_used": prompt})
        print(f"progress {shot}", file=sys.stderr, flush=True)
    json.dump({"images": images, "model_used": "solid-colour", "generation_method": "custom"}, sys.stdout)


if __name__ == "__main__":
    main()
