"""The demo seller app's Returns & Refunds tab, built on ``tiktokshop_widgets``.

    tab = ReturnsTab(kit, StatusPanel(document), container="#returns-widget")
    await tab.show()      # mounts ManageReturns; tab.hide() unmounts it

``main.py`` is the page's entry point; ``returns_tab`` holds what the tab
does (testable without a browser) and ``status_panel`` how it shows it.
"""
