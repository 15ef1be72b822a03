"""ex02 mistake: conv_output_size rounds to the nearest integer (the message covers ceil and round)"""

EXPECT = 'you rounded up (ceil or round): PyTorch rounds DOWN (floor), a last'


def conv_output_size(n, k, stride=1, padding=0, dilation=1):
    return round((n + 2 * padding - dilation * (k - 1) - 1) / stride) + 1
