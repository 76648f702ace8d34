for(const s of document.querySelectorAll('select[data-submit]'))s.addEventListener('change',function(){this.form.submit()});
