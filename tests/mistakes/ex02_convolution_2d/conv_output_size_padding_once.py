"""ex02 mistake: conv_output_size adds the padding once"""

EXPECT = 'you added the padding once: padding zeros go on EACH side, so the'


def conv_output_size(n, k, stride=1, padding=0, dilation=1):
    return (n + padding - dilation * (k - 1) - 1) // stride + 1
