"""Writes the TorchScript fixtures of ForwardCheckTest (src/test/resources/org/powerquant/importer/).

A tiny torchvision ResNet (BasicBlock, one unit per stage, widths 4-8-16-32, 3 classes) with random weights and
batch-norm statistics, traced as torchvision's forward computes it (tiny_resnet.pt), and the same network with its
forward changed before tracing to normalise the input inside (tiny_resnet_forward_changed.pt): same modules, same
weights, another function. And a tiny ResNeXt (Bottleneck with a grouped 3x3 convolution, groups 2, width_per_group
32, one unit per stage, planes 4-8-16-32, 3 classes; tiny_resnext.pt), the family of torchvision's resnext50_32x4d. Run with Debian's python3-torch and python3-torchvision (PyTorch 1.13):

    /usr/bin/python3 src/test/python/tiny_resnets.py src/test/resources/org/powerquant/importer
"""
import sys
import types

import torch
import torchvision
from torch import nn
from torchvision.models.resnet import BasicBlock, Bottleneck, ResNet


def tiny_resnet(block=BasicBlock, **kwargs):
    torch.manual_seed(0)
    net = ResNet(block, [1, 1, 1, 1], num_classes=3, **kwargs)
    net.inplanes = 4
    net.conv1 = nn.Conv2d(3, 4, kernel_size=7, stride=2, padding=3, bias=False)
    net.bn1 = nn.BatchNorm2d(4)
    net.layer1 = net._make_layer(block, 4, 1)
    net.layer2 = net._make_layer(block, 8, 1, stride=2)
    net.layer3 = net._make_layer(block, 16, 1, stride=2)
    net.layer4 = net._make_layer(block, 32, 1, stride=2)
    net.fc = nn.Linear(32 * block.expansion, 3)
    for m in net.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.running_mean.uniform_(-0.2, 0.2)
            m.running_var.uniform_(0.5, 1.5)
            m.weight.data.uniform_(0.5, 1.5)
            m.bias.data.uniform_(-0.2, 0.2)
    return net.eval()


def main(out):
    net = tiny_resnet()
    probe = torch.randn(1, 3, 64, 64)
    torch.jit.trace(net, probe).save(out + "/tiny_resnet.pt")
    original = ResNet.forward

    def normalising_forward(self, x):
        return original(self, (x - 0.2860) / 0.3530)

    net.forward = types.MethodType(normalising_forward, net)
    torch.jit.trace(net, probe).save(out + "/tiny_resnet_forward_changed.pt")
    torch.jit.trace(tiny_resnet(Bottleneck, groups=2, width_per_group=32), probe).save(out + "/tiny_resnext.pt")
    print("torchvision", torchvision.__version__, "torch", torch.__version__)


if __name__ == "__main__":
    main(sys.argv[1])
