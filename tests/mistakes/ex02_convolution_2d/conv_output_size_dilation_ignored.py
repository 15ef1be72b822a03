"""ex02 mistake: conv_output_size ignores the dilation"""

EXPECT = 'you ignored the dilation: a kernel of size k with dilation d spans'


def conv_output_size(n, k, stride=1, padding=0, dilation=1):
    return (n + 2 * padding - k) // stride + 1
