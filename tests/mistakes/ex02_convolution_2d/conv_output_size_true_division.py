"""ex02 mistake: conv_output_size divides with / instead of //"""

EXPECT = 'your answer is not a whole number: use floor division (//); a last'


def conv_output_size(n, k, stride=1, padding=0, dilation=1):
    return (n + 2 * padding - dilation * (k - 1) - 1) / stride + 1
