# Regenerates the PIL reference fixtures for test/kimi/image-processor.test.ts.
# Run with Debian's python3-pil:  /usr/bin/python3 test/kimi/image-fixtures/make.py
import json, math, os, random
from PIL import Image, ImageDraw

here = os.path.dirname(os.path.abspath(__file__))
random.seed(7)
w, h = 257, 181
img = Image.new("RGB", (w, h), (236, 236, 236))
d = ImageDraw.Draw(img)
# UI-like content: bars, buttons, thin lines, text and a noisy photo patch (hard cases for a resampler).
d.rectangle([0, 0, w, 22], fill=(40, 44, 52))
for i in range(6):
    d.rectangle([8 + 40 * i, 4, 40 + 40 * i, 18], fill=(70 + 30 * i, 120, 200 - 20 * i))
for y in range(30, 170, 9):
    d.line([10, y, 120, y], fill=(random.randrange(256), 0, 0), width=1)
d.text((130, 40), "File Edit View", fill=(0, 0, 0))
d.text((130, 60), "Hello, DeskPilot 123", fill=(20, 90, 20))
for y in range(100, 175):
    for x in range(140, 250):
        img.putpixel((x, y), (random.randrange(256), random.randrange(256), random.randrange(256)))
img.save(os.path.join(here, "input.png"))

cases = {}
for (ow, oh) in [(173, 97), (61, 43), (300, 211), (257, 100), (120, 181), (31, 400), (174, 123)]:
    name = f"pil-{ow}x{oh}.png"
    img.resize((ow, oh), Image.BICUBIC).save(os.path.join(here, name))
    cases[name] = [ow, oh]

# The processor's own resize rule, evaluated by Python for an in_token_limit that forces it.
limit = 100
p = 14
tokens = (w // p) * (h // p)
scale = math.sqrt(limit / tokens)
cases["processor"] = {"in_token_limit": limit, "resized": [int(w * scale), int(h * scale)]}
with open(os.path.join(here, "cases.json"), "w") as f:
    json.dump(cases, f, indent=1)
