import os, sys, time, importlib.util, django
os.environ["DJANGO_SETTINGS_MODULE"]="billing_site.settings.test"
django.setup()
from datetime import date
from billing import readfiles as new
spec = importlib.util.spec_from_file_location("readfiles_old", "/tmp/readfiles_old.py")
old = importlib.util.module_from_spec(spec); sys.modules["readfiles_old"]=old; spec.loader.exec_module(old)
N=100_000
data = ("meter,account,read_date,reading,read_code\n" + "".join(
    f"B{n:07d},{100000000000+n},2026-11-20,{1000+n}.50,01\n" for n in range(N))).encode()
today=date(2026,12,1)
for rnd in range(3):
    for name, mod in (("old", old), ("new", new)):
        t=time.process_time(); mod.parse_csv(data, today=today); d=time.process_time()-t
        print(rnd, name, f"{d:.3f}s cpu for {N} lines = {d/N*1e6:.2f} us/line")
