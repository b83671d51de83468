"""Changes one LibreOffice setting through its configuration API and quits, so soffice itself writes
the profile's registrymodifications.xcu (fixtures for the profile-reading metrics).

usage: libreoffice-setting.py <pipe-name> <node path> <property> <string value>
"""
import sys

from uno_bridge import connect, prop


def main():
    pipe, node, name, value = sys.argv[1:5]
    ctx = connect(pipe)
    provider = ctx.ServiceManager.createInstanceWithContext("com.sun.star.configuration.ConfigurationProvider", ctx)
    access = provider.createInstanceWithArguments("com.sun.star.configuration.ConfigurationUpdateAccess", (prop("nodepath", node),))
    access.setPropertyValue(name, value)
    access.commitChanges()
    desktop = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
    try:
        desktop.terminate()
    except Exception:
        pass  # the bridge closes as soffice quits


main()
