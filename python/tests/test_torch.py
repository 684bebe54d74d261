"""cnnc.from_torch and ONNX models (files and onnx.ModelProto) against
PyTorch's own output."""
import numpy as np
import pytest

import cnnc
from conftest import assert_close

import torch  # noqa: E402  Debian's python3-torch (setup.sh)
import onnx  # noqa: E402  Debian's python3-onnx (setup.sh)


class SmallNet(torch.nn.Module):
    """Conv, batch norm, ReLU, pooling and a linear layer, two outputs."""

    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv2d(3, 8, 3, padding=1)
        self.bn = torch.nn.BatchNorm2d(8)
        self.fc = torch.nn.Linear(8, 5)

    def forward(self, x):
        f = torch.relu(self.bn(self.conv(x)))
        pooled = torch.nn.functional.adaptive_avg_pool2d(f, 1)
        return f, self.fc(torch.flatten(pooled, 1))


def small_net():
    torch.manual_seed(0)
    net = SmallNet()
    with torch.no_grad():  # non-trivial batch-norm statistics
        net.bn.running_mean.uniform_(-0.5, 0.5)
        net.bn.running_var.uniform_(0.5, 2.0)
    return net.eval()


def test_from_torch_small_network():
    net = small_net()
    x = torch.rand(1, 3, 16, 16)
    with torch.no_grad():
        want = [t.numpy() for t in net(x)]
    m = cnnc.from_torch(net, x)
    assert [t.name for t in m.inputs] == ["input"]
    assert [t.name for t in m.outputs] == ["output0", "output1"]
    got = m(x.numpy())
    assert_close(got[0], want[0])
    assert_close(got[1], want[1])
    assert net.training is False


def test_from_torch_resnet18_against_pytorch():
    import torchvision
    torch.manual_seed(0)
    net = torchvision.models.resnet18().eval()
    x = torch.rand(1, 3, 224, 224)
    with torch.no_grad():
        want = net(x).numpy()
    with pytest.warns(cnnc.CompileWarning):  # stride-2 1x1 convs skip a row
        m = cnnc.from_torch(net, x, threads=2)
    got = m(x)  # a torch tensor is read as an array
    assert got.shape == (1, 1000)
    assert_close(got, want)


def test_onnx_file_and_model_proto(tmp_path):
    net = small_net()
    x = torch.rand(1, 3, 16, 16)
    path = tmp_path / "small.onnx"
    m1 = cnnc.from_torch(net, x, onnx_path=path, input_names=["image"],
                         output_names=["features", "logits"])
    assert path.is_file()
    proto = onnx.load(str(path))
    m2 = cnnc.compile(proto)
    m3 = cnnc.compile(path)
    for m in (m1, m2, m3):
        assert [t.name for t in m.outputs] == ["features", "logits"]
        np.testing.assert_array_equal(m.run({"image": x.numpy()})["logits"],
                                      m1(x.numpy())[1])


def test_input_shapes_fix_a_symbolic_batch(tmp_path):
    net = small_net()
    path = tmp_path / "dyn.onnx"
    torch.onnx.export(net, (torch.rand(1, 3, 16, 16),), str(path),
                      input_names=["x"], output_names=["f", "y"],
                      dynamic_axes={"x": {0: "batch"}})
    with pytest.raises(cnnc.CompileError, match="--input-shape"):
        cnnc.compile(path)
    m = cnnc.compile(path, input_shapes={"x": (2, 3, 16, 16)})
    assert m.inputs[0].shape == (2, 3, 16, 16)
    x = torch.rand(2, 3, 16, 16)
    with torch.no_grad():
        want = net(x)[1].numpy()
    assert_close(m(x.numpy())[1], want)


def test_from_torch_misuse():
    with pytest.raises(cnnc.Error, match="must be a torch.nn.Module"):
        cnnc.from_torch(lambda x: x, torch.rand(1))
    with pytest.raises(cnnc.Error, match="example_inputs must be a tensor"):
        cnnc.from_torch(small_net(), [np.zeros((1, 3, 8, 8))])
    with pytest.raises(cnnc.Error, match="2 input_names for 1 example"):
        cnnc.from_torch(small_net(), torch.rand(1, 3, 8, 8),
                        input_names=["a", "b"])
    with pytest.raises(cnnc.Error, match="exporter must be"):
        cnnc.from_torch(small_net(), torch.rand(1, 3, 8, 8), exporter="x")


def test_model_name_follows_the_module():
    assert cnnc.from_torch(small_net(), torch.rand(1, 3, 8, 8)).name == \
        "smallnet"
    assert cnnc.from_torch(small_net(), torch.rand(1, 3, 8, 8),
                           name="mine").name == "mine"


def test_classify_sample(tmp_path):
    # samples/python/classify.py end to end: compile ResNet-18, classify the
    # bundled image, agree with PyTorch (--check), then reuse the .so.
    import subprocess
    import sys
    from conftest import CHECKOUT
    script = CHECKOUT / "samples" / "python" / "classify.py"
    so = tmp_path / "resnet18.so"
    run = subprocess.run([sys.executable, "-W", "ignore", str(script),
                          "--check", "--so", str(so), "--threads", "2"],
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "same top class: True" in run.stdout
    assert so.is_file()
    again = subprocess.run([sys.executable, "-W", "ignore", str(script),
                            "--so", str(so)], capture_output=True, text=True)
    assert again.returncode == 0, again.stderr
    assert f"loaded {so}" in again.stdout
    top = [line.split()[-1] for line in run.stdout.splitlines()
           if line.strip().startswith(tuple("0123456789"))]
    top2 = [line.split()[-1] for line in again.stdout.splitlines()
            if line.strip().startswith(tuple("0123456789"))]
    assert top and top == top2
