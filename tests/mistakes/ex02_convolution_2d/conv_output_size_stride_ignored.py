"""ex02 mistake: conv_output_size ignores the stride"""

EXPECT = 'you ignored the stride: divide the room the window can move, n +'


def conv_output_size(n, k, stride=1, padding=0, dilation=1):
    return n + 2 * padding - dilation * (k - 1) - 1 + 1
