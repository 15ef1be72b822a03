"""ex02 mistake: conv_output_size takes the dilated span to be d*k"""

EXPECT = 'a dilated kernel spans d*(k - 1) + 1 samples, not d*k: there are k -'


def conv_output_size(n, k, stride=1, padding=0, dilation=1):
    return (n + 2 * padding - dilation * k) // stride + 1
