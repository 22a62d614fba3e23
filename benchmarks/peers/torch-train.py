#!/usr/bin/env python3
# PyTorch's CPU training speed on the same ResEZAP (../../RESEZAP.md), the baseline of issue 6's target:
# whole training steps (forward in training mode, label-smoothed cross-entropy, backward, Adam step) on
# batches of 64 random 48x48 faces held in memory, on N intra-op threads. Not a project dependency: run
# where Debian's python3-torch is installed (apt install python3-torch). Prints one JSON line.
#   python3 benchmarks/peers/torch-train.py [--threads 2] [--steps 20] [--batch 64]
import argparse, json, time
import torch
import torch.nn as nn

p = argparse.ArgumentParser()
p.add_argument("--threads", type=int, default=2)
p.add_argument("--steps", type=int, default=20)
p.add_argument("--batch", type=int, default=64)
a = p.parse_args()
torch.set_num_threads(a.threads)
torch.manual_seed(1)


class Sep(nn.Module):
    def __init__(self, cin, cout, pad):
        super().__init__()
        self.dw = nn.Conv2d(cin, cin, 3, padding=pad, groups=cin, bias=False)
        self.pw = nn.Conv2d(cin, cout, 1, bias=True)

    def forward(self, x):
        return self.pw(self.dw(x))


class Block(nn.Module):
    def __init__(self, cin, f, pad1):
        super().__init__()
        self.s1, self.b1 = Sep(cin, f, pad1), nn.BatchNorm2d(f, eps=1e-3, momentum=0.01)
        self.s2, self.b2 = Sep(f, f, 1), nn.BatchNorm2d(f, eps=1e-3, momentum=0.01)
        self.s3, self.b3 = Sep(f, f, 1), nn.BatchNorm2d(f, eps=1e-3, momentum=0.01)
        self.pool = nn.Sequential(nn.ZeroPad2d(1), nn.AvgPool2d(2, 2))

    def forward(self, x):
        x = self.b1(self.s1(x))
        r = x
        x = self.b3(self.s3(self.b2(self.s2(x))))
        return self.pool(torch.relu(x + r))


class ResEZAP(nn.Module):
    def __init__(self):
        super().__init__()
        self.blocks = nn.Sequential(Block(1, 32, 0), Block(32, 64, 1), Block(64, 96, 1))
        self.head = nn.Sequential(nn.Linear(96, 96), nn.BatchNorm1d(96, eps=1e-3, momentum=0.01), nn.Linear(96, 7))

    def forward(self, x):
        x = self.blocks(x)
        return self.head(torch.amax(x, dim=(2, 3)))


m = ResEZAP().train()
# the paper's 54,480 counts trainable weights and the batch norms' moving statistics (buffers here)
count = sum(t.numel() for t in m.parameters()) + sum(b.numel() for n, b in m.named_buffers() if "running" in n)
assert count == 54480, count
opt = torch.optim.Adam(m.parameters(), lr=1e-3, weight_decay=1e-4)
loss_fn = nn.CrossEntropyLoss(label_smoothing=0.1)
x = torch.rand(a.batch, 1, 48, 48)
y = torch.randint(0, 7, (a.batch,))


def step():
    opt.zero_grad()
    loss = loss_fn(m(x), y)
    loss.backward()
    opt.step()


for _ in range(3):
    step()
times = []
for _ in range(a.steps):
    t = time.perf_counter()
    step()
    times.append(time.perf_counter() - t)
times.sort()
med = times[len(times) // 2]
print(json.dumps({"engine": f"pytorch {torch.__version__}", "threads": a.threads, "batch": a.batch,
                  "step_ms": med * 1000, "images_per_s": a.batch / med}))
