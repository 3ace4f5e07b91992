"""The studio: a local web app to design samples, templates and time distributions (`eventgen studio`)."""
