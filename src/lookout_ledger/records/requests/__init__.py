"""Answering for people: a records request finds every record naming them, with a search certificate;
the links between communications, disclosures and the people they name."""
