"""The time of one all-reduce against its size, the numbers docs/distributed.md's cost model uses.

    mpiexec -n 2 python benchmarks/allreduce.py

For float32 arrays from 4 bytes to 64 MB: the time per ``minigrad.distributed.all_reduce`` in
a run of back-to-back calls (the median of 5 runs, after one to warm up), in microseconds, and
the bandwidth that implies, counting what each rank sends in a ring all-reduce, 2 (n - 1) / n
of the array. Fitting t = alpha + bytes / beta to the small and large ends gives the latency
alpha and the bandwidth beta. The shape and dtype check that ``all_reduce`` makes first is
included: it is part of what a call costs. On a shared machine the small sizes are noisy: a
rank that is descheduled makes the other wait.
"""

import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import minigrad  # noqa: E402
import minigrad.distributed as dist  # noqa: E402

dist.init_process_group("mpi")
n = dist.get_world_size()
if dist.get_rank() == 0:
    print(f"{n} ranks; bytes, median us per all_reduce, GB/s sent per rank (ring: 2(n-1)/n)")
for exponent in range(0, 25, 2):
    count = 2**exponent
    tensor = minigrad.tensor(np.ones(count, dtype=np.float32), device="cpu")
    calls = max(1, min(50, 2**22 // count))  # fewer calls for the big arrays
    times = []
    for repeat in range(6):
        dist.barrier()  # start together; then back-to-back calls, so no rank waits for another
        start = time.perf_counter()
        for _ in range(calls):
            dist.all_reduce(tensor)
        if repeat > 0:  # the first round warms up
            times.append((time.perf_counter() - start) / calls)
    seconds = float(np.median(times))
    sent = 2 * (n - 1) / n * 4 * count
    if dist.get_rank() == 0:
        print(f"{4 * count:>10}  {seconds * 1e6:10.1f}  {sent / seconds / 1e9:8.2f}")
dist.destroy_process_group()
