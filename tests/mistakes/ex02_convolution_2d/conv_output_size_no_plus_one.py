"""ex02 mistake: conv_output_size forgets the +1"""

EXPECT = 'you forgot the +1: the window at position 0 counts too, out ='


def conv_output_size(n, k, stride=1, padding=0, dilation=1):
    return (n + 2 * padding - dilation * (k - 1) - 1) // stride
