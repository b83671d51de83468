"""Saves a spreadsheet from a Calc view with frozen rows and a zoom (fixtures for the freeze / zoom rules).

usage: libreoffice-view.py <pipe-name> <in.fods> <out.xlsx> <frozen-rows> <zoom-percent>
Connects to a soffice started with --accept=pipe,name=<pipe-name>;urp; (retrying while it starts).
"""
import sys

import uno

from uno_bridge import connect, prop


def main():
    pipe, src, dst, rows, zoom = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
    ctx = connect(pipe)
    desktop = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
    doc = desktop.loadComponentFromURL(uno.systemPathToFileUrl(src), "_blank", 0, (prop("Hidden", False),))
    view = doc.getCurrentController()
    if rows:
        view.freezeAtPosition(0, rows)
    view.ZoomValue = zoom
    doc.storeToURL(uno.systemPathToFileUrl(dst), (prop("FilterName", "Calc Office Open XML"),))
    doc.close(True)


main()
