"""Services: load rows, build domain inputs, call the domain, persist, enqueue, publish."""
