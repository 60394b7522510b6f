"""Sending the citizen's notifications: the channels (adapters) and the sender that drives them.

The domain side (what is owed, to whom, once) is hallq.queue.notify; this folder only carries messages
out of the hall, as devices/ carries print jobs: a small interface (channel.Channel), a simulator that
records (tests, the demo's /hardware), an HTTP SMS gateway, and a WeChat subscription-message adapter
ready for a hall whose mini program collects openids.
"""
