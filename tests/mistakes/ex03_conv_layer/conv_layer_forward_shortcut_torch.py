"""ex03 shortcut: conv_layer_forward calls torch.nn.functional.conv2d, which does the whole job."""
import torch
import torch.nn.functional as F

EXPECT = "calls torch.nn.functional.conv2d"


def conv_layer_forward(x, weight, bias, stride=1, padding=0):
    t = lambda a: torch.as_tensor(np.asarray(a, dtype=float))  # noqa: E731
    return F.conv2d(t(x)[None], t(weight), t(bias), stride=stride, padding=padding)[0].numpy()
