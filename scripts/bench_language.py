"""Benchmark: time per parse_message call on typical relatives' messages (fictional).

Run: .venv/bin/python scripts/bench_language.py
Prints the mean and the 99th percentile per message; the target is well under 1 ms typical.
"""

from __future__ import annotations

import statistics
import time
from datetime import date

from bot.language import parse_message

MESSAGES = [
    "Busco a mi hermano Jose Luis Hernandez Garcia, guatemalteco, nacio el 3 de mayo del 96",
    "HERNANDEZ GARCIA JOSE LUIS",
    "hola buenas noches disculpe la molestia estoy buscando a mi esposo se llama Wilmer Orellana Pop "
    "es de guatemala tiene 28 años",
    "no, es Luis, no José",
    "si por favor",
    "CASO JRZ-4F7K",
    "Hi, I am looking for my brother Jose Hernandez, he is 27 years old",
    "03/05/1996",
    "Ya no sabemos nada de él desde el lunes, por favor ayúdenme, estamos desesperados",
    "x" * 5000,
]


def main() -> None:
    today = date(2026, 1, 15)
    for text in MESSAGES:  # warm the caches, as a running process would have them
        parse_message(text, today=today)
    timings: list[float] = []
    for _ in range(300):
        for text in MESSAGES:
            start = time.perf_counter()
            parse_message(text, today=today)
            timings.append((time.perf_counter() - start) * 1e6)
    timings.sort()
    print(f"messages parsed: {len(timings)}")
    print(
        f"mean: {statistics.fmean(timings):.0f} µs  median: {statistics.median(timings):.0f} µs  "
        f"p99: {timings[int(len(timings) * 0.99)]:.0f} µs  max: {timings[-1]:.0f} µs"
    )
    for text in MESSAGES:
        runs = []
        for _ in range(100):
            start = time.perf_counter()
            parse_message(text, today=today)
            runs.append((time.perf_counter() - start) * 1e6)
        print(f"  {statistics.median(runs):7.0f} µs  {text[:60]!r}")


if __name__ == "__main__":
    main()
