"""Compares each batch norm's running statistics with what its input really is, on Fashion-MNIST test images.

PowerQuant's data-free calibration distils its synthetic images from the batch norms' running statistics, so the
activation ranges it fits are as good as those statistics are for the network in evaluation mode. This prints, per
batch norm of a traced torchvision ResNet, the median over channels of the real input's variance divided by the
running variance, and of the real mean's distance from the running mean in running standard deviations: with
--train-mode the network normalises by each batch's own statistics (as in training), otherwise by the running ones
(as in evaluation and in every quantized model). Diagnosis only; the project does not need Python. Needs Debian's
python3-torch and python3-torchvision (PyTorch 1.13). See examples/README.md.
"""
import argparse
import gzip

import numpy as np
import torch
import torch.nn.functional as F
from torchvision.models.resnet import BasicBlock, Bottleneck, ResNet

parser = argparse.ArgumentParser()
parser.add_argument('--model', required=True, help='a TorchScript torchvision ResNet with a 10-class head')
parser.add_argument('--blocks', default='3,4,6,3', help='units per stage, e.g. 2,2,2,2 for ResNet-18')
parser.add_argument('--basic', action='store_true', help='BasicBlock units (ResNet-18/34) instead of Bottleneck')
parser.add_argument('--groups', type=int, default=1)
parser.add_argument('--width-per-group', type=int, default=64)
parser.add_argument('--size', type=int, default=32, help='input side in pixels, as the model was trained')
parser.add_argument('--images', type=int, default=1000, help='how many of the first test images')
parser.add_argument('--train-mode', action='store_true', help="normalise by each batch's own statistics")
parser.add_argument('--data', default='../shared/data/fashion-mnist')
args = parser.parse_args()

torch.set_num_threads(2)
traced = torch.jit.load(args.model)
model = ResNet(BasicBlock if args.basic else Bottleneck, [int(b) for b in args.blocks.split(',')],
               num_classes=10, groups=args.groups, width_per_group=args.width_per_group)
model.load_state_dict(traced.state_dict())
model.train(args.train_mode)

with gzip.open(f'{args.data}/t10k-images-idx3-ubyte.gz') as f:
    pixels = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 1, 28, 28)[:args.images]
x = torch.tensor(pixels.copy()).float() / 255
x = F.interpolate(x, size=(args.size, args.size), mode='bilinear', align_corners=False)
x = ((x - 0.2860) / 0.3530).repeat(1, 3, 1, 1)

rows = []


def observe(name):
    def hook(module, inputs, output):
        t = inputs[0]
        std = module.running_var.sqrt()
        ratio = (t.var((0, 2, 3)) / module.running_var).median().item()
        shift = ((t.mean((0, 2, 3)) - module.running_mean).abs() / std).median().item()
        rows.append((name, ratio, shift))
    return hook


for name, module in model.named_modules():
    if isinstance(module, torch.nn.BatchNorm2d):
        module.register_forward_hook(observe(name))
with torch.no_grad():
    model(x)
print(f"{'batch norm':26s} {'var / running var':>18s} {'|mean - running| / std':>23s}")
for name, ratio, shift in rows:
    print(f'{name:26s} {ratio:18.2f} {shift:23.2f}')
