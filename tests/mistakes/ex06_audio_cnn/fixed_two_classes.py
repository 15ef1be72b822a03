"""ex06 mistake: build_model ignores n_classes (always two outputs)"""

EXPECT = "should use its argument"


def build_model(n_classes):
    from torch import nn

    return nn.Sequential(
        nn.Conv2d(1, 8, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(),
        nn.AdaptiveMaxPool2d((4, 4)), nn.Flatten(),
        nn.Linear(512, 32), nn.ReLU(), nn.Linear(32, 2),
    )
