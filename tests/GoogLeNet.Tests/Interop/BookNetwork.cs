namespace GoogLeNet.Tests.Interop;

/// <summary>The chapter's PyTorch code, for the tests that check this project's files against real PyTorch.</summary>
internal static class BookNetwork
{
    /// <summary>
    /// The chapter's PyTorch cell with the two changes the text (and this project) makes: a ReLU after b2's 3x3
    /// convolution and global average pooling at the end of b5. Neither changes a parameter or a key, so the cell
    /// as printed loads the same files. Defines <c>text_net()</c> and <c>book_net()</c> (the cell as printed).
    /// </summary>
    public const string Definition = """
        import torch
        from torch import nn
        from torch.nn import functional as F

        class Inception(nn.Module):
            def __init__(self, in_channels, c1, c2, c3, c4, **kwargs):
                super(Inception, self).__init__(**kwargs)
                self.p1_1 = nn.Conv2d(in_channels, c1, kernel_size=1)
                self.p2_1 = nn.Conv2d(in_channels, c2[0], kernel_size=1)
                self.p2_2 = nn.Conv2d(c2[0], c2[1], kernel_size=3, padding=1)
                self.p3_1 = nn.Conv2d(in_channels, c3[0], kernel_size=1)
                self.p3_2 = nn.Conv2d(c3[0], c3[1], kernel_size=5, padding=2)
                self.p4_1 = nn.MaxPool2d(kernel_size=3, stride=1, padding=1)
                self.p4_2 = nn.Conv2d(in_channels, c4, kernel_size=1)

            def forward(self, x):
                p1 = F.relu(self.p1_1(x))
                p2 = F.relu(self.p2_2(F.relu(self.p2_1(x))))
                p3 = F.relu(self.p3_2(F.relu(self.p3_1(x))))
                p4 = F.relu(self.p4_2(self.p4_1(x)))
                return torch.cat((p1, p2, p3, p4), dim=1)

        def network(text):
            b1 = nn.Sequential(nn.Conv2d(1, 64, kernel_size=7, stride=2, padding=3),
                               nn.ReLU(), nn.MaxPool2d(kernel_size=3, stride=2, padding=1))
            b2 = nn.Sequential(nn.Conv2d(64, 64, kernel_size=1), nn.ReLU(),
                               nn.Conv2d(64, 192, kernel_size=3, padding=1),
                               *([nn.ReLU()] if text else []),
                               nn.MaxPool2d(kernel_size=3, stride=2, padding=1))
            b3 = nn.Sequential(Inception(192, 64, (96, 128), (16, 32), 32),
                               Inception(256, 128, (128, 192), (32, 96), 64),
                               nn.MaxPool2d(kernel_size=3, stride=2, padding=1))
            b4 = nn.Sequential(Inception(480, 192, (96, 208), (16, 48), 64),
                               Inception(512, 160, (112, 224), (24, 64), 64),
                               Inception(512, 128, (128, 256), (24, 64), 64),
                               Inception(512, 112, (144, 288), (32, 64), 64),
                               Inception(528, 256, (160, 320), (32, 128), 128),
                               nn.MaxPool2d(kernel_size=3, stride=2, padding=1))
            b5 = nn.Sequential(Inception(832, 256, (160, 320), (32, 128), 128),
                               Inception(832, 384, (192, 384), (48, 128), 128),
                               nn.AdaptiveAvgPool2d((1, 1)) if text else nn.AdaptiveMaxPool2d((1, 1)),
                               nn.Flatten())
            return nn.Sequential(b1, b2, b3, b4, b5, nn.Linear(1024, 10))

        def text_net(): return network(True)
        def book_net(): return network(False)

        # This project's googlenet-bn, in its own names (b1..b5, head; an Inception block's paths p1..p4).
        def cbr(i, o, k, p=0, s=1):
            return [nn.Conv2d(i, o, k, stride=s, padding=p, bias=False), nn.BatchNorm2d(o), nn.ReLU()]

        class InceptionBN(nn.Module):
            def __init__(self, i, c1, c2, c3, c4):
                super().__init__()
                self.p1 = nn.Sequential(*cbr(i, c1, 1))
                self.p2 = nn.Sequential(*cbr(i, c2[0], 1), *cbr(c2[0], c2[1], 3, 1))
                self.p3 = nn.Sequential(*cbr(i, c3[0], 1), *cbr(c3[0], c3[1], 5, 2))
                self.p4 = nn.Sequential(nn.MaxPool2d(3, 1, 1), *cbr(i, c4, 1))
            def forward(self, x):
                return torch.cat((self.p1(x), self.p2(x), self.p3(x), self.p4(x)), dim=1)

        class GoogLeNetBN(nn.Module):
            def __init__(self):
                super().__init__()
                pool = lambda: nn.MaxPool2d(3, 2, 1)
                self.b1 = nn.Sequential(*cbr(1, 64, 7, 3, 2), pool())
                self.b2 = nn.Sequential(*cbr(64, 64, 1), *cbr(64, 192, 3, 1), pool())
                self.b3 = nn.Sequential(InceptionBN(192, 64, (96, 128), (16, 32), 32), InceptionBN(256, 128, (128, 192), (32, 96), 64), pool())
                self.b4 = nn.Sequential(InceptionBN(480, 192, (96, 208), (16, 48), 64), InceptionBN(512, 160, (112, 224), (24, 64), 64),
                                        InceptionBN(512, 128, (128, 256), (24, 64), 64), InceptionBN(512, 112, (144, 288), (32, 64), 64),
                                        InceptionBN(528, 256, (160, 320), (32, 128), 128), pool())
                self.b5 = nn.Sequential(InceptionBN(832, 256, (160, 320), (32, 128), 128), InceptionBN(832, 384, (192, 384), (48, 128), 128),
                                        nn.AdaptiveAvgPool2d((1, 1)), nn.Flatten())
                self.head = nn.Linear(1024, 10)
            def forward(self, x):
                return self.head(self.b5(self.b4(self.b3(self.b2(self.b1(x))))))
        """;
}
