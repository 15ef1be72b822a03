"""ex02 mistake: conv_output_size forgets the +1 of the dilated span"""

EXPECT = 'a dilated kernel spans d*(k - 1) + 1 samples (k taps, k - 1 gaps of'


def conv_output_size(n, k, stride=1, padding=0, dilation=1):
    return (n + 2 * padding - dilation * (k - 1)) // stride + 1
