#!/usr/bin/env python3
"""The peer for `googlenet bench`: the chapter's GoogLeNet and training step in PyTorch, timed the same way.

Written for this project from the chapter's description (REFERENCE.md): Inception blocks of four paths,
stages b1..b5, Xavier-uniform init, plain SGD, cross-entropy. Prints one JSON object with the same keys
as `googlenet bench --json`. Run with Debian's python3-torch: /usr/bin/python3 bench/peer_googlenet.py

--form picks how a PyTorch user runs it: `book` (the chapter's code as written: NCHW, float32),
`channels_last` (model and input converted with .to(memory_format=torch.channels_last)) or `autocast`
(channels_last, and forward and loss inside torch.autocast('cpu', dtype=torch.bfloat16)).
"""
import contextlib
import argparse
import json
import time

import torch
from torch import nn
from torch.nn import functional as F


class Inception(nn.Module):
    def __init__(self, cin, c1, c2, c3, c4):
        super().__init__()
        self.p1 = nn.Sequential(nn.Conv2d(cin, c1, 1), nn.ReLU())
        self.p2 = nn.Sequential(nn.Conv2d(cin, c2[0], 1), nn.ReLU(), nn.Conv2d(c2[0], c2[1], 3, padding=1), nn.ReLU())
        self.p3 = nn.Sequential(nn.Conv2d(cin, c3[0], 1), nn.ReLU(), nn.Conv2d(c3[0], c3[1], 5, padding=2), nn.ReLU())
        self.p4 = nn.Sequential(nn.MaxPool2d(3, 1, 1), nn.Conv2d(cin, c4, 1), nn.ReLU())

    def forward(self, x):
        return torch.cat([self.p1(x), self.p2(x), self.p3(x), self.p4(x)], dim=1)


def googlenet(channels=1, classes=10):
    pool = lambda: nn.MaxPool2d(3, 2, 1)
    b1 = nn.Sequential(nn.Conv2d(channels, 64, 7, 2, 3), nn.ReLU(), pool())
    b2 = nn.Sequential(nn.Conv2d(64, 64, 1), nn.ReLU(), nn.Conv2d(64, 192, 3, padding=1), nn.ReLU(), pool())
    b3 = nn.Sequential(Inception(192, 64, (96, 128), (16, 32), 32), Inception(256, 128, (128, 192), (32, 96), 64), pool())
    b4 = nn.Sequential(Inception(480, 192, (96, 208), (16, 48), 64), Inception(512, 160, (112, 224), (24, 64), 64),
                       Inception(512, 128, (128, 256), (24, 64), 64), Inception(512, 112, (144, 288), (32, 64), 64),
                       Inception(528, 256, (160, 320), (32, 128), 128), pool())
    b5 = nn.Sequential(Inception(832, 256, (160, 320), (32, 128), 128), Inception(832, 384, (192, 384), (48, 128), 128),
                       nn.AdaptiveAvgPool2d(1), nn.Flatten())
    net = nn.Sequential(b1, b2, b3, b4, b5, nn.Linear(1024, classes))
    for m in net.modules():
        if isinstance(m, (nn.Conv2d, nn.Linear)):
            nn.init.xavier_uniform_(m.weight)
    return net


def rss_mb(key):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(key):
                return int(line.split()[1]) / 1024.0
    return 0.0


def profile(a, net, x, step, precision):
    """Where the peer's time goes, as googlenet bench --profile shows ours: self CPU time per operator, in ms per
    training step and per inference batch, the operators above 1 % of either."""
    from torch.profiler import profile as torch_profile, ProfilerActivity

    def per_operator(run):
        with torch_profile(activities=[ProfilerActivity.CPU]) as prof:
            start = time.perf_counter()
            for _ in range(a.steps):
                run()
            wall = (time.perf_counter() - start) * 1000 / a.steps
        return wall, {e.key: e.self_cpu_time_total / 1000 / a.steps for e in prof.key_averages()}

    net.train()
    train_ms, train_ops = per_operator(step)
    net.eval()
    with torch.no_grad(), precision():
        net(x)
        infer_ms, infer_ops = per_operator(lambda: net(x))
    print(f"peer form {a.form}, batch {a.batch_size} at {a.size}x{a.size}, {a.threads} threads: "
          f"a training step {train_ms:.0f} ms, an inference batch {infer_ms:.0f} ms (wall, under the profiler)")
    print(f"{'operator':40} {'training ms':>12} {'share':>6} {'inference ms':>13} {'share':>6}")
    total_train, total_infer = sum(train_ops.values()), sum(infer_ops.values())
    keys = sorted(set(train_ops) | set(infer_ops), key=lambda k: -train_ops.get(k, 0))
    for k in keys:
        t, i = train_ops.get(k, 0), infer_ops.get(k, 0)
        if t / total_train > 0.01 or (total_infer and i / total_infer > 0.01):
            print(f"{k[:40]:40} {t:12.1f} {100 * t / total_train:5.0f}% {i:13.1f} {100 * i / max(total_infer, 1e-9):5.0f}%")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--size", type=int, default=96)
    p.add_argument("--steps", type=int, default=10)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--form", choices=["book", "channels_last", "autocast"], default="book")
    p.add_argument("--profile", action="store_true",
                   help="instead: torch.profiler's self CPU time by operator over --steps training steps and inference batches")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    net = googlenet()
    macs = 276_066_304 if a.size == 96 else None  # the chapter network at 96x96 (googlenet summary)
    opt = torch.optim.SGD(net.parameters(), lr=0.01)
    x = torch.rand(a.batch_size, 1, a.size, a.size)
    y = torch.randint(0, 10, (a.batch_size,))
    if a.form != "book":
        net = net.to(memory_format=torch.channels_last)
        x = x.to(memory_format=torch.channels_last)

    def precision():
        if a.form == "autocast":
            return torch.autocast("cpu", dtype=torch.bfloat16)
        return contextlib.nullcontext()

    def step():
        opt.zero_grad()
        with precision():
            loss = F.cross_entropy(net(x), y)
        loss.backward()
        opt.step()

    net.train()
    # As googlenet bench: at least --warmup steps, then more (up to 20) while the last one still grew
    # resident memory by over 0.5 %, so rss_growth_pct measures growth after the heap has settled.
    warmup_steps, grew, before = 0, False, rss_mb("VmRSS:")
    while warmup_steps < a.warmup or (grew and warmup_steps < 20):
        step()
        warmup_steps += 1
        after = rss_mb("VmRSS:")
        grew, before = after > before * 1.005, after
    if a.profile:
        profile(a, net, x, step, precision)
        return
    start = time.perf_counter()
    for i in range(a.steps):
        step()
        if i == 0:
            rss_first = rss_mb("VmRSS:")
    train = a.steps * a.batch_size / (time.perf_counter() - start)
    rss_last = rss_mb("VmRSS:")

    net.eval()
    with torch.no_grad(), precision():
        for _ in range(max(1, a.warmup)):
            net(x)
        start = time.perf_counter()
        for _ in range(a.steps):
            net(x)
        infer = a.steps * a.batch_size / (time.perf_counter() - start)

    m1, m2 = torch.rand(2048, 2048), torch.rand(2048, 2048)
    m1 @ m2
    start = time.perf_counter()
    for _ in range(10):
        m1 @ m2
    sgemm = 10 * 2 * 2048 ** 3 / (time.perf_counter() - start) / 1e9
    train_gflops = 6 * macs * train / 1e9 if macs else None
    print(json.dumps({
        "model": "googlenet-pytorch", "form": a.form, "batch_size": a.batch_size, "size": a.size, "threads": a.threads, "precision": "bf16-autocast" if a.form == "autocast" else "fp32",
        "train_img_s": train, "infer_img_s": infer, "sgemm_gflops": sgemm, "train_gflops": train_gflops,
        "efficiency": train_gflops / sgemm if train_gflops else None, "peak_rss_mb": rss_mb("VmHWM:"),
        "rss_growth_pct": 100 * (rss_last - rss_first) / rss_first, "warmup_steps": warmup_steps,
    }))


if __name__ == "__main__":
    main()
