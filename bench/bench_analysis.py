"""Time the satisfaction document against a straightforward pandas implementation of the same figures.

    python bench/bench_analysis.py [--quick]

Synthetic, seeded data: 12 Likert items in 6 dimensions (like questionnaire-2017.yaml), 16 districts with
district-level differences, ~4 % N/A and ~3 % blanks. For each size the engine is timed as the median of several
runs (peak allocation from a separate tracemalloc run); then the pandas baseline, which computes the same figures
the same way (bootstrap of 2,000 resamples up to 20,000 responses, delta method above), once per size.
Prints a markdown table.
"""
from __future__ import annotations

import argparse
import os
import platform
import resource
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from analysis.intervals import BOOTSTRAP_RESAMPLES, Z_95, finite_population_correction  # noqa: E402
from analysis.questionnaire import parse_questionnaire  # noqa: E402
from analysis.satisfaction import BOOTSTRAP_MAX_RESPONSES, Population, satisfaction_document  # noqa: E402

SEED = 20180618
DISTRICTS = [f"district-{d:02d}" for d in range(16)]
QUESTIONNAIRE = parse_questionnaire({
    "key": "bench", "version": 1, "title": "基准问卷",
    "scale": {"options": [{"value": v, "label": str(v)} for v in (5, 4, 3, 2, 1)],
              "not_applicable": {"value": 0, "label": "不了解"}},
    "scoring": {"scheme": "linear"},
    "dimensions": [{"key": f"d{k}", "title": f"维度{k}", "weight": 1,
                    "items": [{"key": f"q{2 * k + i + 1:02d}", "text": f"题项{2 * k + i + 1}"} for i in range(2)]}
                   for k in range(6)],
    "indicator": {"code": "C4-1", "name": "基层党建中心满意度", "weight": 8},
})
ITEM_KEYS = [item.key for item in QUESTIONNAIRE.items]
POINTS = {5: 100.0, 4: 75.0, 3: 50.0, 2: 25.0, 1: 0.0}


def synthetic_responses(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Answers (n × 12, NaN blank, 0 N/A) and a district per row; districts differ by a latent shift."""
    district = rng.integers(0, len(DISTRICTS), n)
    latent = 3.9 + np.linspace(-0.3, 0.3, len(DISTRICTS))[district][:, None] + rng.normal(0, 0.5, (n, 1))
    answers = np.clip(np.rint(latent + rng.normal(0, 0.8, (n, len(ITEM_KEYS)))), 1, 5)
    answers[rng.random(answers.shape) < 0.04] = 0.0
    answers[rng.random(answers.shape) < 0.03] = np.nan
    return answers, np.asarray(DISTRICTS)[district]


def population_for(n: int) -> Population:
    return Population(issued=int(n * 1.014) + 1, submitted=n + 2)


def engine(answers: np.ndarray, districts: np.ndarray) -> dict:
    return satisfaction_document(QUESTIONNAIRE, answers, population=population_for(len(answers)),
                                 groups=districts, group_by="district")


# --- the baseline: the figures as one would first write them with pandas ------------------------

def pandas_document(answers: np.ndarray, districts: np.ndarray) -> dict:
    """Item/dimension/overall indexes, top-2, distributions, per-district index, α, Kruskal–Wallis and intervals."""
    n = len(answers)
    frame = pd.DataFrame(answers, columns=ITEM_KEYS)
    frame["district"] = districts
    points = frame[ITEM_KEYS].apply(lambda column: column.map(POINTS))   # NaN for N/A and blank
    distribution = {key: frame[key].value_counts(dropna=False) for key in ITEM_KEYS}
    top2 = frame[ITEM_KEYS].isin([5, 4]).sum() / points.notna().sum() * 100
    item_index = points.mean()
    dimension_index, overall = roll_up(item_index)
    scores = pd.DataFrame({d.key: points[[i.key for i in d.items]].mean(axis=1)
                           for d in QUESTIONNAIRE.dimensions}).mean(axis=1)
    by_district = points.groupby(frame["district"])
    district_index = by_district.mean().apply(lambda row: roll_up(row)[1], axis=1)
    kruskal = stats.kruskal(*[s.dropna() for _, s in scores.groupby(frame["district"])])
    complete = frame[ITEM_KEYS][(frame[ITEM_KEYS] > 0).all(axis=1)]
    variances = complete.var()
    alpha = len(ITEM_KEYS) / (len(ITEM_KEYS) - 1) * (1 - variances.sum() / complete.sum(axis=1).var())
    fpc = finite_population_correction(population_for(n).issued, n)
    if n <= BOOTSTRAP_MAX_RESPONSES:
        intervals = pandas_bootstrap(points, frame["district"], fpc)
    else:
        intervals = pandas_delta(points, frame["district"], fpc)
    return {"items": item_index, "dimensions": dimension_index, "overall": overall, "top2": top2,
            "distribution": distribution, "districts": district_index, "kruskal": kruskal, "alpha": alpha,
            "intervals": intervals}


def roll_up(item_index: pd.Series) -> tuple[pd.Series, float]:
    dimension_index = pd.Series({d.key: item_index[[i.key for i in d.items]].mean()
                                 for d in QUESTIONNAIRE.dimensions})
    return dimension_index, dimension_index.mean()


def pandas_bootstrap(points: pd.DataFrame, district: pd.Series, fpc: float) -> dict:
    rng = np.random.default_rng(SEED)
    overall, districts = [], []
    for _ in range(BOOTSTRAP_RESAMPLES):
        resample = points.sample(frac=1.0, replace=True, random_state=rng)
        item_index = resample.mean()
        dimension_index, overall_index = roll_up(item_index)
        overall.append(pd.concat([item_index, dimension_index, pd.Series({"overall": overall_index})]))
        within = points.groupby(district, group_keys=False).sample(frac=1.0, replace=True, random_state=rng)
        districts.append(within.groupby(district.loc[within.index]).mean().apply(lambda r: roll_up(r)[1], axis=1))
    return {"targets": pd.DataFrame(overall).quantile([0.025, 0.975]) * fpc,
            "districts": pd.DataFrame(districts).quantile([0.025, 0.975])}


def pandas_delta(points: pd.DataFrame, district: pd.Series, fpc: float) -> dict:
    def half_widths(block: pd.DataFrame) -> pd.Series:
        answered = block.notna()
        item_index = block.mean()
        # linearised contribution of each respondent to each item index, then the equal-weight roll-ups
        contribution = (block.fillna(0) - answered * item_index) / answered.sum()
        by_dimension = pd.DataFrame({d.key: contribution[[i.key for i in d.items]].mean(axis=1)
                                     for d in QUESTIONNAIRE.dimensions})
        linearised = pd.concat([contribution, by_dimension, by_dimension.mean(axis=1).rename("overall")], axis=1)
        m = len(block)
        return Z_95 * np.sqrt(m / (m - 1) * (linearised ** 2).sum())

    return {"targets": half_widths(points) * fpc,
            "districts": points.groupby(district).apply(lambda b: half_widths(b)["overall"])}


# --- measuring ---------------------------------------------------------------------------------

def median_seconds(run, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def peak_allocation(run) -> int:
    tracemalloc.start()
    run()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def machine() -> str:
    model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), platform.processor())
    memory_kb = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                     if line.startswith("MemTotal"))
    return (f"nproc {os.cpu_count()}, {model}, {memory_kb / 1024 ** 2:.1f} GiB RAM, "
            f"Python {platform.python_version()}, numpy {np.__version__}, pandas {pd.__version__}, "
            f"OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE')}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="218 and 200,000 responses only, fewer runs (a smoke test)")
    arguments = parser.parse_args()
    sizes = [218, 200_000] if arguments.quick else [218, 20_000, 200_000, 1_700_000]
    repeats = 3 if arguments.quick else 5
    rng = np.random.default_rng(SEED)
    data = {}

    print(machine(), file=sys.stderr)
    results = {}
    for n in sizes:
        data[n] = synthetic_responses(n, rng)
        answers, districts = data[n]
        engine(answers, districts)                                   # warm-up: imports, BLAS threads
        seconds = median_seconds(lambda: engine(answers, districts), repeats)
        peak = peak_allocation(lambda: engine(answers, districts))
        results[n] = {"seconds": seconds, "peak": peak}
        print(f"engine   {n:>9,}: {seconds:.3f} s, peak {peak / 2 ** 20:.0f} MiB", file=sys.stderr)
    # a high-water mark: the interpreter, numpy/scipy/pandas, every data set generated so far and the engine runs
    engine_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    for n in sizes:
        answers, districts = data[n]
        results[n]["baseline"] = median_seconds(lambda: pandas_document(answers, districts), 1)
        print(f"baseline {n:>9,}: {results[n]['baseline']:.3f} s", file=sys.stderr)

    print(f"Process max RSS after the engine runs (before the baseline): {engine_rss / 2 ** 20:.0f} MiB\n")
    print("| valid responses × 12 items | intervals | engine (median) | engine peak allocation "
          "| pandas baseline (1 run) | baseline ÷ engine |")
    print("|---:|---|---:|---:|---:|---:|")
    for n in sizes:
        r = results[n]
        method = "bootstrap 2,000" if n <= BOOTSTRAP_MAX_RESPONSES else "delta"
        print(f"| {n:,} | {method} | {r['seconds']:.3f} s | {r['peak'] / 2 ** 20:.0f} MiB "
              f"| {r['baseline']:.2f} s | {r['baseline'] / r['seconds']:.1f}× |")


if __name__ == "__main__":
    main()
