"""Trains a torchvision ResNet with Bottleneck blocks on Fashion-MNIST and saves it as TorchScript.

A local stand-in for the Bottleneck ResNet family (ResNet-50 and deeper), whose trained weights are not in
../shared. The project does not need Python; this script only makes a model to check the CLI on. Needs Debian's
python3-torch and python3-torchvision (PyTorch 1.13). See examples/README.md.
"""
import argparse
import gzip
import os
import time

import numpy as np
import torch
import torch.nn.functional as F
from torchvision.models.resnet import Bottleneck, ResNet

MEAN, STD = 0.2860, 0.3530

parser = argparse.ArgumentParser()
parser.add_argument('--data', default='../shared/data/fashion-mnist')
parser.add_argument('--out', required=True, help='the TorchScript file to write')
parser.add_argument('--blocks', default='1,1,1,1', help='Bottleneck units per stage; 3,4,6,3 is ResNet-50')
parser.add_argument('--groups', type=int, default=1, help="the 3x3 convolutions' groups; 32 is resnext50_32x4d")
parser.add_argument('--width-per-group', type=int, default=64, help='4 with --groups 32 is resnext50_32x4d; 128 is wide')
parser.add_argument('--size', type=int, default=32, help='input side in pixels (images are resized to it)')
parser.add_argument('--epochs', type=int, default=4)
parser.add_argument('--batch', type=int, default=128)
parser.add_argument('--threads', type=int, default=2)
parser.add_argument('--seed', type=int, default=0)
args = parser.parse_args()

torch.manual_seed(args.seed)
rng = np.random.default_rng(args.seed)
torch.set_num_threads(args.threads)


def idx(name, offset):
    with gzip.open(f'{args.data}/{name}') as f:
        return np.frombuffer(f.read(), np.uint8, offset=offset)


def images(name):
    return torch.tensor(idx(name, 16).reshape(-1, 1, 28, 28).copy()).float() / 255


def labels(name):
    return torch.tensor(idx(name, 8).astype(np.int64))


def prep(x):
    # the shared models' preprocessing, at args.size: bilinear resize, normalise, three channels
    x = F.interpolate(x, size=(args.size, args.size), mode='bilinear', align_corners=False)
    return ((x - MEAN) / STD).repeat(1, 3, 1, 1)


x_train, y_train = images('train-images-idx3-ubyte.gz'), labels('train-labels-idx1-ubyte.gz')
x_test, y_test = images('t10k-images-idx3-ubyte.gz'), labels('t10k-labels-idx1-ubyte.gz')
model = ResNet(Bottleneck, [int(b) for b in args.blocks.split(',')], num_classes=10,
               groups=args.groups, width_per_group=args.width_per_group)
steps = args.epochs * (len(x_train) // args.batch)
optimiser = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=5e-4, nesterov=True)
schedule = torch.optim.lr_scheduler.OneCycleLR(optimiser, max_lr=0.2, total_steps=steps, pct_start=0.25)
start = time.time()
for epoch in range(args.epochs):
    model.train()
    order = torch.randperm(len(x_train))
    for b in range(len(x_train) // args.batch):
        pick = order[b * args.batch:(b + 1) * args.batch]
        # augmentation per batch: a random crop of the 2-pixel zero-padded image, a horizontal flip half the time
        i, j = rng.integers(0, 5, 2)
        x = F.pad(x_train[pick], (2, 2, 2, 2))[:, :, i:i + 28, j:j + 28]
        if rng.random() < 0.5:
            x = x.flip(3)
        loss = F.cross_entropy(model(prep(x)), y_train[pick])
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        schedule.step()
        if b % 100 == 0:
            print(f'epoch {epoch} batch {b} loss {loss.item():.3f} {time.time() - start:.0f} s', flush=True)
    model.eval()
    with torch.no_grad():
        hits = [(model(prep(x_test[k:k + 500])).argmax(1) == y_test[k:k + 500]).sum().item()
                for k in range(0, 10000, 500)]
    print(f'epoch {epoch} test top-1 {sum(hits) / 100:.2f} % first 2,000 {sum(hits[:4]) / 20:.2f} %', flush=True)
model.eval()
# Written beside the target, then renamed: an interrupted run never leaves a partial model.
partial = args.out + '.partial'
torch.jit.trace(model, prep(x_test[:2])).save(partial)
os.replace(partial, args.out)
print(f'saved {args.out}', flush=True)
