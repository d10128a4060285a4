"""The package in FHIR R4B and R4: conversion of the R5 resources, cross-version extensions, structure checks."""
