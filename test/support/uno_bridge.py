"""What the UNO fixture scripts share: connecting to a soffice started with
--accept=pipe,name=<pipe>;urp; (retrying while it starts), and building a PropertyValue."""
import time

import uno
from com.sun.star.beans import PropertyValue


def prop(name, value):
    p = PropertyValue()
    p.Name = name
    p.Value = value
    return p


def connect(pipe):
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
    for _ in range(600):
        try:
            return resolver.resolve("uno:pipe,name=%s;urp;StarOffice.ComponentContext" % pipe)
        except Exception:
            time.sleep(0.2)
    raise SystemExit("soffice did not accept a connection on pipe %s within 120 s" % pipe)
