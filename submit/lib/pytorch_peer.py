#!/usr/bin/python3
"""PyTorch peer of the project's networks, for the Java benchmark job.

The benchmark runs this script as a subprocess with the same data, model and hyper-parameters
as a Spark run, and parses its stdout: one JSON object per line, an "epoch" line after every
epoch and a "summary" line at the end. Logs go to stderr. Exit code 2 means bad arguments or an
unreadable data file.

The networks are lenet, resnet18/34/50 (He et al. 2015, any width, small or ImageNet stem) and a
DCGAN for 28x28 images, built with the same layer shapes as the Java models. Training is Adam on
MNIST-format IDX files; --processes P > 1 runs DistributedDataParallel over gloo on this host.

A DCGAN run can write --sample-count images from fixed noise after every epoch (--samples DIR, one
MNIST-format IDX file per epoch, for submit/judge to score with the project's classifier), and a
single-process run can keep its state after every epoch (--state FILE) and continue from it when
started again with the same arguments, so a reference of many hours survives a restart.

Timing: "train_seconds" covers the training steps only; evaluation, shuffling, batch gathering
and augmentation happen outside it. "samples_per_second" leaves out the first --warmup-batches
batches of the first epoch (they are still trained), as the Java side measures after its
warm-up, so it is not examples / train_seconds; it is null when no batch was measured.
"time_to_target_seconds" counts wall time from the script's start (or --clock-start) to the end
of the evaluation of the first epoch reaching --target-accuracy.
"""
import time

START = time.time()  # before the heavy imports: time to target counts them, as a user would

import argparse
import contextlib
import gzip
import json
import os
import socket
import sys
import zlib

import numpy as np
import torch
import torch.distributed as dist
import torch.multiprocessing as mp
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.parallel import DistributedDataParallel

SIDE = 28
MODELS = ("lenet", "resnet18", "resnet34", "resnet50", "dcgan")


def fail(message):
    print(f"pytorch_peer: {message}", file=sys.stderr)
    sys.exit(2)


# ---------------------------------------------------------------- data

def read_idx(path, dims, what):
    """An IDX array of unsigned bytes with `dims` dimensions, gzip-compressed or not."""
    try:
        with open(path, "rb") as f:
            raw = f.read()
        if raw[:2] == b"\x1f\x8b":  # gzip magic; file names are not trusted
            raw = gzip.decompress(raw)
    except (OSError, EOFError, zlib.error) as e:  # BadGzipFile is an OSError
        fail(f"cannot read {what} file {path}: {e}")
    header = 4 + 4 * dims
    if len(raw) < header or int.from_bytes(raw[:4], "big") != 0x800 + dims:
        fail(f"{what} file {path} is not an IDX file of unsigned bytes with {dims} dimension(s)")
    shape = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(dims)]
    if len(raw) - header != int(np.prod(shape)):
        fail(f"{what} file {path} holds {len(raw) - header} bytes of data, its header says {shape}")
    return np.frombuffer(raw, np.uint8, offset=header).reshape(shape)


def load(images_path, labels_path, limit=0):
    """Images as N x 1 x 28 x 28 floats in [0, 1] and labels as int64 (zeros without a label file)."""
    images = read_idx(images_path, 3, "image")
    if images.shape[1:] != (SIDE, SIDE):
        fail(f"image file {images_path} holds {images.shape[1]}x{images.shape[2]} images, expected 28x28")
    if labels_path is None:
        labels = np.zeros(len(images), np.uint8)
    else:
        labels = read_idx(labels_path, 1, "label")
        if len(labels) != len(images) or labels.max(initial=0) > 9:
            fail(f"label file {labels_path} should hold {len(images)} labels 0-9 for {images_path}")
    if limit:
        images, labels = images[:limit], labels[:limit]
    x = torch.from_numpy(images.astype(np.float32) / 255).unsqueeze(1)
    return x, torch.from_numpy(labels.astype(np.int64))


def augment(x, shift, flip, generator):
    """Random translation by up to `shift` pixels (zero fill) and random horizontal flips, per image."""
    n = len(x)
    if shift:
        padded = F.pad(x[:, 0], (shift,) * 4)
        offsets = torch.randint(0, 2 * shift + 1, (2, n), generator=generator)
        line = torch.arange(SIDE)
        rows = (offsets[0, :, None] + line)[:, :, None]
        cols = (offsets[1, :, None] + line)[:, None, :]
        x = padded[torch.arange(n)[:, None, None], rows, cols].unsqueeze(1)
    if flip:
        x = torch.where(torch.rand(n, 1, 1, 1, generator=generator) < 0.5, x.flip(3), x)
    return x


# ---------------------------------------------------------------- networks

def lenet():
    # 28 -conv5-> 24 -pool-> 12 -conv5-> 8 -pool-> 4: the dense layer sees 50 x 4 x 4.
    net = nn.Sequential(
        nn.Conv2d(1, 20, 5), nn.ReLU(), nn.MaxPool2d(2, 2),
        nn.Conv2d(20, 50, 5), nn.ReLU(), nn.MaxPool2d(2, 2),
        nn.Flatten(), nn.Linear(50 * 4 * 4, 500), nn.ReLU(), nn.Linear(500, 10), nn.LogSoftmax(1))
    for m in net.modules():
        if isinstance(m, (nn.Conv2d, nn.Linear)):
            nn.init.xavier_uniform_(m.weight)
            nn.init.zeros_(m.bias)
    return net


def conv_bn(cin, cout, k, stride):
    # No conv bias: the batch normalization after it subtracts any bias.
    return [nn.Conv2d(cin, cout, k, stride, k // 2, bias=False), nn.BatchNorm2d(cout, eps=1e-5, momentum=0.1)]


class Block(nn.Module):
    """A basic or bottleneck residual block; the stride sits in the first convolution of either."""

    def __init__(self, cin, width, stride, bottleneck):
        super().__init__()
        self.cout = 4 * width if bottleneck else width
        if bottleneck:
            body = [*conv_bn(cin, width, 1, stride), nn.ReLU(), *conv_bn(width, width, 3, 1), nn.ReLU(),
                    *conv_bn(width, self.cout, 1, 1)]
        else:
            body = [*conv_bn(cin, width, 3, stride), nn.ReLU(), *conv_bn(width, width, 3, 1)]
        self.body = nn.Sequential(*body)
        # Projection shortcut only where the shape changes (He et al.'s option B).
        same = stride == 1 and cin == self.cout
        self.shortcut = nn.Identity() if same else nn.Sequential(*conv_bn(cin, self.cout, 1, stride))

    def forward(self, x):
        return F.relu(self.body(x) + self.shortcut(x))


def resnet(depth, width, stem):
    blocks = [2, 2, 2, 2] if depth == 18 else [3, 4, 6, 3]
    if stem == "small":  # keeps 28 px inputs from shrinking to one pixel before the last stage
        layers = [*conv_bn(1, width, 3, 1), nn.ReLU()]
    else:
        layers = [*conv_bn(1, width, 7, 2), nn.ReLU(), nn.MaxPool2d(3, 2, 1)]
    cin = width
    for stage, count in enumerate(blocks):
        for b in range(count):
            block = Block(cin, width << stage, 2 if stage and not b else 1, depth == 50)
            layers.append(block)
            cin = block.cout
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(cin, 10), nn.LogSoftmax(1)]
    net = nn.Sequential(*layers)
    for m in net.modules():
        if isinstance(m, nn.Conv2d):
            nn.init.kaiming_normal_(m.weight, nonlinearity="relu")  # fan_in, as DL4J's RELU init
        elif isinstance(m, nn.Linear):
            nn.init.xavier_uniform_(m.weight)
            nn.init.zeros_(m.bias)
    return net


def dcgan(width, noise):
    # "same" 5x5/2 transposed convolutions: 7 -> 14 -> 28; 5x5/2 convolutions with padding 2: 28 -> 14 -> 7.
    generator = nn.Sequential(
        nn.Linear(noise, 7 * 7 * 2 * width, bias=False), nn.BatchNorm1d(7 * 7 * 2 * width), nn.ReLU(),
        nn.Unflatten(1, (2 * width, 7, 7)),
        nn.ConvTranspose2d(2 * width, width, 5, 2, 2, output_padding=1, bias=False), nn.BatchNorm2d(width),
        nn.ReLU(), nn.ConvTranspose2d(width, 1, 5, 2, 2, output_padding=1), nn.Tanh())
    discriminator = nn.Sequential(
        nn.Conv2d(1, width, 5, 2, 2), nn.LeakyReLU(0.2),
        nn.Conv2d(width, 2 * width, 5, 2, 2, bias=False), nn.BatchNorm2d(2 * width), nn.LeakyReLU(0.2),
        nn.Flatten(), nn.Linear(2 * width * 7 * 7, 1))
    for m in [*generator.modules(), *discriminator.modules()]:
        if isinstance(m, (nn.Linear, nn.Conv2d, nn.ConvTranspose2d)):
            nn.init.normal_(m.weight, 0, 0.02)  # Radford et al.; batch norm keeps gamma 1, beta 0
            if m.bias is not None:
                nn.init.zeros_(m.bias)
    return generator, discriminator


# ---------------------------------------------------------------- training

@torch.no_grad()
def accuracy(net, x, y):
    net.eval()
    right = sum((net(xb).argmax(1) == yb).sum().item() for xb, yb in zip(x.split(1000), y.split(1000)))
    net.train()
    return right / len(x)


def emit(record):
    print(json.dumps(record), flush=True)


def worker(rank, a, start, train, test):
    """One training process; rank 0 evaluates and prints."""
    torch.set_num_threads(a.threads)
    if a.processes > 1:
        torch.set_num_interop_threads(1)
        dist.init_process_group("gloo", rank=rank, world_size=a.processes)
    torch.manual_seed(a.seed + rank)  # DDP copies rank 0's initial weights; noise differs per rank
    gan = a.model == "dcgan"
    if gan:
        nets = dcgan(a.width, a.noise_size)
    else:
        nets = (lenet() if a.model == "lenet" else resnet(int(a.model[6:]), a.width, a.stem),)
    models = [DistributedDataParallel(net) for net in nets] if a.processes > 1 else list(nets)
    optimizers = [torch.optim.Adam(m.parameters(), lr=a.lr, betas=(a.beta1, 0.999), eps=1e-8) for m in models]

    x, y = train
    per_rank = len(x) // a.processes  # equal shards: every rank takes the same number of DDP steps
    if per_rank % a.batch == 1:
        per_rank -= 1  # batch normalization cannot train on a last batch of one image
    batches = -(-per_rank // a.batch)
    if a.max_batches_per_epoch:
        batches = min(batches, a.max_batches_per_epoch)
    total = dict(examples=0, seconds=0.0, measured_examples=0, measured_seconds=0.0)
    best = final = time_to_target = None
    first = 1
    if a.state and os.path.exists(a.state):
        first, total, best, final, time_to_target = restore(a.state, nets, optimizers)
        print(f"pytorch_peer: continuing from {a.state} after epoch {first - 1}", file=sys.stderr)
    for epoch in range(first, a.epochs + 1):
        order = torch.randperm(len(x), generator=torch.Generator().manual_seed(a.seed + epoch))
        mine = order[rank::a.processes][:min(per_rank, batches * a.batch)]
        rng = torch.Generator().manual_seed((a.seed + epoch) * 1000 + rank)  # augmentation, per rank
        seconds = measured_seconds = 0.0
        measured = d_sum = g_sum = 0
        for i, idx in enumerate(mine.split(a.batch)):
            xb, yb = augment(x[idx], a.augment_shift, a.augment_flip, rng), y[idx]
            if gan:
                xb = xb * 2 - 1
            began = time.perf_counter()
            if gan:
                d_loss, g_loss = gan_step(*models, *optimizers, xb, a.noise_size)
            else:
                optimizers[0].zero_grad(set_to_none=True)
                F.nll_loss(models[0](xb), yb).backward()
                optimizers[0].step()
            step = time.perf_counter() - began
            seconds += step
            if gan:
                d_sum += d_loss * len(xb)
                g_sum += g_loss * len(xb)
            if epoch > 1 or i >= a.warmup_batches:
                measured_seconds += step
                measured += len(xb)
        for opt in optimizers:
            for group in opt.param_groups:
                group["lr"] *= a.lr_decay
        examples = len(mine) * a.processes
        total["examples"] += examples
        total["seconds"] += seconds
        total["measured_examples"] += measured * a.processes
        total["measured_seconds"] += measured_seconds
        if rank == 0:
            record = dict(type="epoch", epoch=epoch, train_seconds=seconds, examples=examples,
                          samples_per_second=measured * a.processes / measured_seconds if measured else None)
            if gan:  # rank 0's losses, weighted by batch size
                record.update(d_loss=d_sum / len(mine), g_loss=g_sum / len(mine))
            else:
                final = accuracy(nets[0], *test)
                best = max(best or 0.0, final)
                record["accuracy"] = final
                if a.target_accuracy and time_to_target is None and final >= a.target_accuracy:
                    time_to_target = time.time() - start
            record["elapsed_seconds"] = time.time() - start
            if gan and a.samples:
                record["samples_file"] = write_samples(nets[0], a, epoch)
            emit(record)
            print(f"epoch {epoch}/{a.epochs}: " + ", ".join(
                f"{k} {v:.4g}" for k, v in record.items() if isinstance(v, float)), file=sys.stderr)
        if a.state:
            keep(a.state, epoch, nets, optimizers, total, best, final, time_to_target)
        if a.processes > 1:
            dist.barrier()  # the next epoch starts together, after rank 0's evaluation
    if rank == 0:
        measured_seconds = total["measured_seconds"]
        emit(dict(type="summary", model=a.model, processes=a.processes, threads=a.threads, epochs=a.epochs,
                  examples=total["examples"], train_seconds=total["seconds"],
                  samples_per_second=total["measured_examples"] / measured_seconds if measured_seconds else None,
                  final_accuracy=final, best_accuracy=best, time_to_target_seconds=time_to_target,
                  target_accuracy=a.target_accuracy or None, torch=torch.__version__,
                  warmup_batches=a.warmup_batches))
    if a.processes > 1:
        dist.destroy_process_group()


def keep(path, epoch, nets, optimizers, total, best, final, time_to_target):
    """The state after `epoch`, written whole or not at all: a crash mid-write keeps the previous one."""
    state = dict(epoch=epoch, nets=[n.state_dict() for n in nets], optimizers=[o.state_dict() for o in optimizers],
                 rng=torch.get_rng_state(), total=total, best=best, final=final, time_to_target=time_to_target)
    torch.save(state, path + ".tmp")
    os.replace(path + ".tmp", path)


def restore(path, nets, optimizers):
    """Loads what keep() wrote into `nets` and `optimizers`; returns the next epoch and the running figures."""
    try:
        state = torch.load(path)
        for net, saved in zip(nets, state["nets"]):
            net.load_state_dict(saved)
        for optimizer, saved in zip(optimizers, state["optimizers"]):
            optimizer.load_state_dict(saved)
    except (OSError, RuntimeError, KeyError, ValueError) as e:
        fail(f"cannot continue from --state {path} (written for other arguments?): {e}")
    torch.set_rng_state(state["rng"])
    return state["epoch"] + 1, state["total"], state["best"], state["final"], state["time_to_target"]


@torch.no_grad()
def write_samples(generator, a, epoch):
    """--sample-count images of `generator` in inference mode from uniform noise seeded by --seed, the same
    every epoch, as an IDX file of unsigned bytes (tanh's [-1, 1] mapped to 0-255); returns its path."""
    noise = torch.rand(a.sample_count, a.noise_size, generator=torch.Generator().manual_seed(a.seed)) * 2 - 1
    generator.eval()
    images = torch.cat([generator(chunk) for chunk in noise.split(1000)])
    generator.train()
    pixels = ((images + 1) / 2 * 255).clamp(0, 255).round().to(torch.uint8).numpy()
    path = os.path.join(a.samples, f"epoch-{epoch:04d}-idx3-ubyte")
    header = b"".join(n.to_bytes(4, "big") for n in (0x803, a.sample_count, SIDE, SIDE))
    with open(path + ".tmp", "wb") as f:
        f.write(header + pixels.tobytes())
    os.replace(path + ".tmp", path)
    return path


def gan_step(generator, discriminator, g_opt, d_opt, real, noise_size):
    """One discriminator step on real images and as many fakes, then one generator step."""
    ones, zeros = torch.ones(len(real), 1), torch.zeros(len(real), 1)
    local = getattr(discriminator, "no_sync", contextlib.nullcontext)  # DDP: skip the all-reduce
    fake = generator(torch.rand(len(real), noise_size) * 2 - 1)  # uniform in [-1, 1], as the project's noise
    # Real and fake images in separate passes, so batch normalization never mixes them; the loss
    # is the mean of the two, as the Java discriminator reports it. Each pass gets its own backward
    # because DDP's next forward overwrites the batch-norm buffers the previous graph saved; the
    # second backward all-reduces the sum of both gradients.
    d_opt.zero_grad(set_to_none=True)
    with local():
        d_real = F.binary_cross_entropy_with_logits(discriminator(real), ones) / 2
        d_real.backward()
    d_fake = F.binary_cross_entropy_with_logits(discriminator(fake.detach()), zeros) / 2
    d_fake.backward()
    d_opt.step()
    # Non-saturating generator loss: labels "real" on the fakes. The discriminator's gradients from
    # this pass are never applied (its next zero_grad drops them), so they are not all-reduced.
    g_opt.zero_grad(set_to_none=True)
    with local():
        g_loss = F.binary_cross_entropy_with_logits(discriminator(fake), ones)
        g_loss.backward()
    g_opt.step()
    return d_real.item() + d_fake.item(), g_loss.item()


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--model", required=True, choices=MODELS)
    p.add_argument("--train-images", required=True)
    p.add_argument("--train-labels", help="required except for dcgan")
    p.add_argument("--test-images", help="required except for dcgan")
    p.add_argument("--test-labels", help="required except for dcgan")
    p.add_argument("--train-examples", type=int, default=0, help="first N training images (0 = all)")
    p.add_argument("--test-examples", type=int, default=0, help="first N test images (0 = all)")
    p.add_argument("--width", type=int, default=64, help="resnet/dcgan channels of the first stage")
    p.add_argument("--stem", choices=("small", "imagenet"), default="small")
    p.add_argument("--noise-size", type=int, default=100)
    p.add_argument("--batch", type=int, default=64, help="per process")
    p.add_argument("--epochs", type=int, default=1)
    p.add_argument("--lr", type=float, help="default 0.001, dcgan 0.0002")
    p.add_argument("--lr-decay", type=float, default=1.0, help="lr factor after each epoch")
    p.add_argument("--beta1", type=float, help="default 0.9, dcgan 0.5")
    p.add_argument("--augment-shift", type=int, default=0)
    p.add_argument("--augment-flip", action="store_true")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--max-batches-per-epoch", type=int, default=0, help="per process (0 = all)")
    p.add_argument("--processes", type=int, default=1)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--target-accuracy", type=float, default=0.0)
    p.add_argument("--clock-start", type=float, help="epoch seconds to count elapsed time from")
    p.add_argument("--warmup-batches", type=int, default=5)
    p.add_argument("--samples", help="dcgan: directory for epoch-NNNN-idx3-ubyte, samples after each epoch")
    p.add_argument("--sample-count", type=int, default=10000, help="images per --samples file")
    p.add_argument("--state", help="file keeping the run's state after each epoch, continued from when present "
                                   "(1 process only)")
    a = p.parse_args(argv)
    gan = a.model == "dcgan"
    for name in ("width", "noise_size", "batch", "epochs", "processes", "threads", "sample_count"):
        if getattr(a, name) < 1:
            p.error(f"--{name.replace('_', '-')} must be at least 1")
    for name in ("train_examples", "test_examples", "augment_shift", "max_batches_per_epoch", "warmup_batches"):
        if getattr(a, name) < 0:
            p.error(f"--{name.replace('_', '-')} must not be negative")
    if not gan and None in (a.train_labels, a.test_images, a.test_labels):
        p.error(f"{a.model} needs --train-labels, --test-images and --test-labels")
    if a.samples and not gan:
        p.error("--samples is for --model dcgan")
    if a.samples and not os.path.isdir(a.samples):
        p.error(f"--samples {a.samples} is not a directory")
    if a.state and a.processes > 1:
        p.error("--state keeps one process's random state: use it with --processes 1")
    if not 0 <= a.target_accuracy <= 1:
        p.error("--target-accuracy must lie in [0, 1]")
    a.lr = a.lr if a.lr is not None else (0.0002 if gan else 0.001)
    a.beta1 = a.beta1 if a.beta1 is not None else (0.5 if gan else 0.9)
    return a


def main(argv):
    a = parse_args(argv)
    start = a.clock_start if a.clock_start is not None else START
    torch.set_num_threads(a.threads)
    torch.set_num_interop_threads(1)
    train = load(a.train_images, a.train_labels, a.train_examples)
    test = None if a.model == "dcgan" else load(a.test_images, a.test_labels, a.test_examples)
    if len(train[0]) // a.processes < 2:
        fail(f"{a.train_images} holds too few images for {a.processes} processes")
    print(f"pytorch_peer: {a.model}, torch {torch.__version__}, {len(train[0])} training images, "
          f"{a.processes} process(es) x {a.threads} thread(s)", file=sys.stderr)
    if a.processes == 1:
        worker(0, a, start, train, test)
        return
    with socket.socket() as s:  # a free port for the gloo rendezvous
        s.bind(("127.0.0.1", 0))
        os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(s.getsockname()[1]))
    for t in [*train, *(test or ())]:
        t.share_memory_()  # the workers map the data instead of each getting a copy
    mp.spawn(worker, args=(a, start, train, test), nprocs=a.processes)


if __name__ == "__main__":
    main(sys.argv[1:])
