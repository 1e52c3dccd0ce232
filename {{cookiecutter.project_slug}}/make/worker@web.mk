SERVICES += worker
